-- wrk script for `make bench`: POST /checkins as htmx does, with a fresh client_uuid on
-- every request (the same uuid twice would be the same check-in, answered 200 not 201).
-- The Cookie, X-CSRFToken, HX-Request and User-Agent headers come from wrk's -H flags.
-- At the end it reports how many answers were not 201 Created, by status.
--
-- Each check-in carries client_created_at, a moment 1 to 27 days ago (as a check-in that
-- waited offline would), so the thousands made here land on past days. The answer renders
-- all of today's check-ins, and a real person makes a few a day, not thousands; posting
-- them all to today would make every answer longer than the one before. Pass "today" after
-- the URL (BENCH_CHECKIN_DAY=today in bench.sh) to post them to today anyway.

dofile("scripts/bench_churn.lua")  -- `closing`: connections that end now and then

local threads = {}
local next_id = 0

function setup(thread)
   next_id = next_id + 1
   thread:set("id", next_id)
   table.insert(threads, thread)
end

function init(args)
   to_today = args[1] == "today"
   -- Each wrk thread has its own Lua state: seed it with the time, the thread id and the
   -- address of a fresh table, so no two threads share a sequence.
   local salt = tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0
   math.randomseed((os.time() * 1000 + id * 7919 + salt) % 2147483647)
   for _ = 1, 10 do math.random() end
   wrk.method = "POST"
   wrk.path = "/checkins"
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   statuses = {}
   created = 0
   other = 0
end

local function hex(n)
   local t = {}
   for i = 1, n do t[i] = string.format("%x", math.random(0, 15)) end
   return table.concat(t)
end

-- A version 4 UUID: 8-4-4-4-12 hex digits, version nibble 4, variant nibble 8..b.
local function uuid4()
   return hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-"
      .. string.format("%x", math.random(8, 11)) .. hex(3) .. "-" .. hex(12)
end

local DAY = 24 * 60 * 60

function request()
   local body = "mood=" .. math.random(1, 5) .. "&client_uuid=" .. uuid4()
   if not to_today then
      local moment = os.time() - math.random(DAY, 27 * DAY)
      body = body .. "&client_created_at=" .. os.date("!%Y-%m-%dT%H%%3A%M%%3A%SZ", moment)
   end
   return wrk.format(nil, nil, closing(), body)
end

function response(status, headers, body)
   if status == 201 then
      created = created + 1
   else
      other = other + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local total_created, total_other, by_status = 0, 0, {}
   for _, thread in ipairs(threads) do
      total_created = total_created + (thread:get("created") or 0)
      total_other = total_other + (thread:get("other") or 0)
      local s = thread:get("statuses")
      if s then
         for code, n in pairs(s) do by_status[code] = (by_status[code] or 0) + n end
      end
   end
   local parts = {}
   for code, n in pairs(by_status) do table.insert(parts, code .. "=" .. n) end
   io.write(string.format("checkin-created: %d\n", total_created))
   io.write(string.format("checkin-not-201: %d %s\n", total_other, table.concat(parts, ",")))
end
