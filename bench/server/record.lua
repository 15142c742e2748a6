-- wrk script: POST one finding per request to the JSON API, cycling over the period's units.
-- Environment: KAOPING_COOKIE and KAOPING_CSRF (the session and its token), KAOPING_PERIOD,
-- KAOPING_UNITS (comma-separated codes), KAOPING_CODE (a counting rule, default 1.4.2).
local cookie = "kaoping_session=" .. os.getenv("KAOPING_COOKIE")
local csrf = os.getenv("KAOPING_CSRF")
local period = os.getenv("KAOPING_PERIOD") or "2"
local code = os.getenv("KAOPING_CODE") or "1.4.2"
local units = {}
for u in string.gmatch(os.getenv("KAOPING_UNITS") or "D01", "[^,]+") do
  units[#units + 1] = u
end
local counter = 0

function setup(thread)
  thread:set("offset", math.random(1, #units))
end

request = function()
  counter = counter + 1
  local unit = units[((counter + (offset or 0)) % #units) + 1]
  local body = string.format('{"unit":"%s","code":"%s","count":1,"note":"bench"}', unit, code)
  return wrk.format("POST", "/api/periods/" .. period .. "/entries",
    { ["Content-Type"] = "application/json", ["X-CSRF-Token"] = csrf, ["Cookie"] = cookie }, body)
end

-- Every request must land: a refused write is a failed benchmark, not a fast one.
local failed = 0
response = function(status, headers, body)
  if status ~= 201 then
    failed = failed + 1
    if failed <= 3 then
      io.stderr:write("refused: " .. status .. " " .. body .. "\n")
    end
  end
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx or errors: %d\n", summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout))
end

