-- wrk script for `make bench`: every page's requests, the baseline's too, on connections that
-- end now and then, as a real server's do (browsers come and go; a proxy opens new ones).
--
-- Why: wrk otherwise keeps its connections open for the whole run. gunicorn recycles a worker
-- every ~1000 requests (max_requests); the recycled worker's connections reconnect while only
-- the other worker is accepting, so after the first recycling one worker holds every
-- connection and a single process (one core, under the GIL) serves the whole load. The
-- signed-in floor measured ~1,050 req/s without recycling and ~550 with it; with this script,
-- ~1,050 with it.
--
-- Every CLOSE_EVERY-th request of a wrk thread asks the server to close its connection after
-- answering (Connection: close), and wrk opens a new one. The other scripts load this one
-- (dofile) and send their requests through `closing`.

local CLOSE_EVERY = 25
local sent = 0

-- wrk's -H headers, with `extra` on top, and Connection: close on every CLOSE_EVERY-th call.
function closing(extra)
   sent = sent + 1
   local headers = {}
   for name, value in pairs(wrk.headers) do headers[name] = value end
   for name, value in pairs(extra or {}) do headers[name] = value end
   if sent % CLOSE_EVERY == 0 then headers["Connection"] = "close" end
   return headers
end

function request()
   return wrk.format(nil, nil, closing(), nil)
end
