-- wrk script: cast one ballot per request with POST /api/vote (no login), each with its own code.
-- Environment: KAOPING_CODES (a file, one code per line) and KAOPING_RATINGS (the ratings as JSON, the
-- same on every ballot). Thread k of n takes codes k, k + n, k + 2n …; a run must end before the codes do
-- (bench/ballots.sh issues more than it can cast), and every vote must answer 201.
local codes = {}
for line in io.lines(os.getenv("KAOPING_CODES")) do
  codes[#codes + 1] = line
end
local ratings = os.getenv("KAOPING_RATINGS")
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

local sent = 0
request = function()
  local index = id + sent * (tonumber(os.getenv("KAOPING_THREADS")) or 2) + 1
  sent = sent + 1
  local code = codes[index] or "RUNOUT22"
  local body = string.format('{"code":"%s","ratings":%s}', code, ratings)
  return wrk.format("POST", "/api/vote", { ["Content-Type"] = "application/json" }, body)
end

landed = 0
refused = 0
response = function(status, headers, body)
  if status == 201 then
    landed = landed + 1
  else
    refused = refused + 1
    if refused <= 3 then
      io.stderr:write("refused: " .. status .. " " .. body .. "\n")
    end
  end
end

done = function(summary, latency, requests)
  local l, r = 0, 0
  for _, t in ipairs(threads) do
    l = l + (t:get("landed") or 0)
    r = r + (t:get("refused") or 0)
  end
  io.write(string.format("ballots cast: %d, refused: %d\n", l, r))
end
