-- wrk script for bench/scan.py: GET <prefix><random genuine serial><suffix>, or one fixed path.
--   wrk ... -s bench/scan.lua http://127.0.0.1:PORT -- <prefix> <suffix> [serials file]
-- With no serials file, every request is GET <prefix> (the constant view).
-- done() prints one line, "BENCH {json}", that bench/scan.py reads.

local prefix, suffix, serials = "/", "", {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  prefix = args[1] or "/"
  suffix = args[2] or ""
  if args[3] then
    for line in io.lines(args[3]) do
      if #line > 0 then serials[#serials + 1] = line end
    end
  end
  math.randomseed(os.time() * 100 + (seed or 0))
end

function request()
  if #serials == 0 then
    return wrk.format("GET", prefix)
  end
  return wrk.format("GET", prefix .. serials[math.random(#serials)] .. suffix)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "mean_us": %.1f, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
