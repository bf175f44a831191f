"""The practical limit: the statement list written by hand with ``.values()``, orjson and keyset
pagination, to measure the API's framework overhead against."""
