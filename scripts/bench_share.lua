-- wrk script for `make bench`: the share page as many mentors would open it. The page allows
-- 60 requests a minute per address (SHR-11), which one wrk on loopback would hit in a second;
-- each request here comes from its own made-up address in X-Forwarded-For, which the bench's
-- server trusts (PROXY_COUNT=1, as behind one proxy), so the limiter still runs, per mentor.

dofile("scripts/bench_churn.lua")  -- `closing`: connections that end now and then

function init(args)
   local salt = tonumber(tostring({}):match("0x(%x+)") or "0", 16) or 0
   math.randomseed((os.time() * 1000 + salt) % 2147483647)
end

function request()
   local address = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "."
      .. math.random(1, 254)
   return wrk.format(nil, nil, closing({ ["X-Forwarded-For"] = address }), nil)
end
