-- Requests the paths listed in the file given after `--`, in turn, on every connection; prints
-- the figures the harness reads as one JSON line when the run ends.
local paths = {}
local next_index = 1

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  -- Threads start at different places so they do not ask for the same id at once.
  next_index = (math.random(#paths) - 1) % #paths + 1
end

function request()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path)
end

function done(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "errors": %d, "timeouts": %d, "bad_status": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout, summary.errors.status))
end
