-- The README's Neovim configuration, run as written (AUDITLINT_SNIPPET holds it, with
-- `auditlint` on PATH): opening a TypeScript and a Rust file of one project attaches one
-- auditlint client to both and shows each file's finding.
local function fail(message)
  io.stderr:write("README FAIL: " .. message .. "\n")
  vim.cmd("cquit 1")
end

local ok, err = pcall(function()
  vim.cmd("filetype on")
  dofile(os.getenv("AUDITLINT_SNIPPET"))
  local root = os.getenv("AUDITLINT_PROJECT")
  local clients = {}
  for _, case in ipairs({ { "route.ts", "typescript", 5 }, { "src/purge.rs", "rust", 1 } }) do
    vim.cmd("edit " .. root .. "/" .. case[1])
    local bufnr = vim.api.nvim_get_current_buf()
    if vim.bo[bufnr].filetype ~= case[2] then
      return fail(case[1] .. ": filetype " .. vim.bo[bufnr].filetype)
    end
    local got = vim.wait(15000, function() return #vim.diagnostic.get(bufnr) > 0 end, 50)
    if not got then return fail("no diagnostics for " .. case[1] .. " within 15 s") end
    local d = vim.diagnostic.get(bufnr)[1]
    if d.lnum ~= case[3] then
      return fail(case[1] .. ": diagnostic on line " .. d.lnum .. ", expected " .. case[3])
    end
    if d.source ~= "auditlint" then return fail("source: " .. tostring(d.source)) end
    for _, client in pairs(vim.lsp.buf_get_clients(bufnr)) do
      clients[client.id] = client.name
    end
  end
  local count = 0
  for _, name in pairs(clients) do
    if name ~= "auditlint" then return fail("unexpected client " .. name) end
    count = count + 1
  end
  if count ~= 1 then return fail("expected one auditlint client, got " .. count) end
  io.stdout:write("README OK\n")
  vim.cmd("qall!")
end)
if not ok then fail(tostring(err)) end
