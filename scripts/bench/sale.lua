-- wrk script: approved on-us PaymentSales, each with a new OrderId, spread over
-- the seeded cards. Reads CARDS (a `PAN,YYMM,CVV2` file), TOKEN, MERCHANT_NO and
-- TERMINAL_NO from the environment. Counts approved and declined answers so the
-- report says how many of the requests were money actually moved.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

-- Globals, not locals: done() reads them from each thread with thread:get().
approved, declined, failed = 0, 0, 0
local cards, sent = {}, 0
local prefix, merchant, terminal

function init(args)
  for line in io.lines(os.getenv("CARDS")) do
    local pan, expiry, cvv2 = line:match("^(%d+),(%d+),(%d+)$")
    if pan then
      cards[#cards + 1] = string.format(
        '"CardNo":"%s","ExpiryDate":"%s","Cvv2":"%s"', pan, expiry, cvv2)
    end
  end
  -- Each run gets its own OrderIds, so a rerun against the same database is new sales.
  prefix = string.format("w%d-%d-", os.time(), id)
  merchant = os.getenv("MERCHANT_NO")
  terminal = os.getenv("TERMINAL_NO")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["token"] = os.getenv("TOKEN")
end

function request()
  sent = sent + 1
  -- Threads start at different cards so that concurrent sales rarely share one.
  local card = cards[((id * 7919 + sent) % #cards) + 1]
  local body = string.format(
    '{"MerchantNo":"%s","TerminalNo":"%s","OrderId":"%s%d","Amount":1.00,"Currency":949,%s}',
    merchant, terminal, prefix, sent, card)
  return wrk.format(nil, "/api/VPos/PaymentSale", nil, body)
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
  elseif body:find('"Result":0', 1, true) then
    approved = approved + 1
  else
    declined = declined + 1
  end
end

function done(summary, latency, requests)
  local a, d, f = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("approved")
    d = d + t:get("declined")
    f = f + t:get("failed")
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("approved          %d (%d/s)\n", a, math.floor(a / seconds)))
  io.write(string.format("declined          %d\n", d))
  io.write(string.format("non-200           %d\n", f))
  io.write(string.format("socket errors     %d\n", summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("p%-16d %.2f ms\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("max               %.2f ms\n", latency.max / 1000))
end
