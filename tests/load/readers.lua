-- wrk script for tests/test_load.py: readers of the public pages, through the TLS proxy.
-- Each thread cycles through the pages; every officer list it reads tells how many officers
-- the registry held at that moment. At the end it prints, for the test to read:
--   status <code> <count>      responses per HTTP status
--   officers <total> <count>   officer totals seen on /officers/?current=all

local paths = {
  "/", "/cities/", "/officers/?current=all", "/member-states/", "/agreements/",
  "/sources/", "/officers/", "/cities/?member_state=TH",
}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  officers = {}
  next_path = 0
  wrk.headers["Host"] = "registry.example.org"
  wrk.headers["X-Forwarded-Proto"] = "https"
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("GET", paths[next_path])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local total = body:match('<p class="result%-count">(%d+) tenure')
  if total and body:find('<option value="all" selected>', 1, true) then
    officers[total] = (officers[total] or 0) + 1
  end
end

function done(summary, latency, requests)
  local totals = { status = {}, officers = {} }
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("statuses")) do
      totals.status[key] = (totals.status[key] or 0) + count
    end
    for key, count in pairs(thread:get("officers")) do
      totals.officers[key] = (totals.officers[key] or 0) + count
    end
  end
  for kind, counts in pairs(totals) do
    for key, count in pairs(counts) do
      io.write(string.format("%s %s %d\n", kind, key, count))
    end
  end
end
