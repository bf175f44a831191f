from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "server.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from simple_history.signals import post_create_historical_record

        from .counts import data_changed
        from .time_limits import limit_statements

        # Every write leaves a history row: cached list counts are stale from then on.
        post_create_historical_record.connect(data_changed, dispatch_uid="api-counts")
        connection_created.connect(limit_statements, dispatch_uid="api-statement-time-limit")
