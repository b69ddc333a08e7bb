-- wrk script: POST one sighting for a random child of the list, as the signed-in manager.
local children = {}
for line in io.lines(os.getenv("CHILDREN_FILE")) do children[#children + 1] = line end
local token = os.getenv("TOKEN")
local counter = 0

request = function()
  counter = counter + 1
  local child = children[math.random(#children)]
  local minutes = math.random(30, 60 * 24 * 20)
  local at = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - minutes * 60)
  local body = string.format(
    '{"child_id":"%s","occurred_at":"%s","kind":"other_contact","location":"office","outcome":"seen","observations":"benchmark %d"}',
    child, at, counter)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("sightings recorded: %d requests, %.1f/s, %d errors\n",
    summary.requests, summary.requests / (summary.duration / 1e6), errors))
end
