-- wrk script: replays the signed requests from $REQUESTS (see gen_requests.py), each thread
-- starting at a different offset, and counts answers by status. With several wrk processes at
-- once, WRK_INDEX (0, 1, …) moves each one's threads to offsets of their own (two threads in all).
local requests = {}
local threads = {}

local function load(path)
  for line in io.lines(path) do
    local p, hname, sig, ctype, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {["Content-Type"] = ctype}
    headers[hname] = sig
    requests[#requests + 1] = wrk.format("POST", p, headers, body)
  end
end

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  load(os.getenv("REQUESTS"))
  -- Each thread (two per wrk) starts its own slice of the file, so none repeats another's
  -- requests: two slices for one wrk, four when two wrk processes share a run (WRK_INDEX 0, 1).
  local index = tonumber(os.getenv("WRK_INDEX") or "")
  if index then
    counter = (index * 2 + id) * math.floor(#requests / 4)
  else
    counter = id * math.floor(#requests / 2)
  end
  ok, bad = 0, 0
end

function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests_)
  local total_ok, total_bad = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_bad = total_bad + t:get("bad")
  end
  io.write(string.format("RESULT ok=%d bad=%d requests=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    total_ok, total_bad, summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
