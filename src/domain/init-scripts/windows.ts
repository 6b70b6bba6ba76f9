import type { ScriptValues } from './posix.js'
import { oneLine, psQuote, script } from './template.js'

/** The bootstrap script for windows: PowerShell (Windows PowerShell 5.1 and PowerShell 7). */
export function renderWindowsScript(v: ScriptValues): string {
  return script`# Outpost bootstrap script for ${v.os}/${v.arch}.
#
# It downloads the Coder agent from the Outpost at ${oneLine(v.accessUrl)}
# into a new private directory, checks the file against the SHA-256 that Outpost
# pinned below, and starts "coder agent" in this window. Run it the way the
# workspace's credentials show:
#
#   $env:CODER_AGENT_TOKEN="<token>"; iwr -useb "<access url>/api/v2/init-script/${v.os}/${v.arch}" | iex
#
# Environment:
#   CODER_AGENT_TOKEN       the agent token (required). It stays in the environment:
#                           this script never writes it to a file or puts it on a
#                           command line.
#   HTTPS_PROXY, HTTP_PROXY, NO_PROXY
#                           used for every request (NO_PROXY: comma-separated host
#                           names or domain suffixes, or *).
#   CODER_INIT_RETRIES      download attempts (default 5).
#   CODER_INIT_RETRY_DELAY  seconds before the second attempt, doubled after each
#                           failed one, at most 60 (default 1; 0 retries at once).
#
# It tells Outpost how far it got (script_started, binary_downloaded,
# binary_verified, agent_starting, or failed and why), best effort: a report that
# cannot be sent never stops the script. On failure it says why and stops with an
# error (exit status 1 under powershell -Command). It changes no system settings.

& {
  $OutpostUrl = ${psQuote(v.accessUrl)}
  $AgentPlatform = ${psQuote(`${v.os}/${v.arch}`)}
  $BinaryName = ${psQuote(v.binaryName)}
  $BinaryUrl = ${psQuote(`${v.accessUrl}/bin/${v.binaryName}`)}
  $ServerBinaryPath = ${psQuote(v.binaryPath)}
  $ExpectedSha256 = ${psQuote(v.sha256 ?? '')}
  $ReportUrl = ${psQuote(`${v.accessUrl}/api/v2/workspaceagents/me/enrollment`)}

  $ErrorActionPreference = 'Stop'
  $ProgressPreference = 'SilentlyContinue'
  $PrivateDir = $null

  function Write-Log([string]$Message) {
    [Console]::Error.WriteLine("outpost-init: $Message")
  }

  function Limit-Text([string]$Text, [int]$Length) {
    $clean = $Text -replace '[\x00-\x1f\x7f]', ' '
    if ($clean.Length -gt $Length) { $clean = $clean.Substring(0, $Length) }
    return $clean
  }

  # The proxy for a URL from HTTPS_PROXY/HTTP_PROXY, unless NO_PROXY names its host.
  function Get-Proxy([string]$Url) {
    $uri = [Uri]$Url
    if ($uri.Scheme -eq 'https') { $proxy = $env:HTTPS_PROXY } else { $proxy = $env:HTTP_PROXY }
    if (-not $proxy) { return $null }
    foreach ($entry in ("$env:NO_PROXY" -split ',')) {
      $suffix = $entry.Trim().TrimStart('.').ToLowerInvariant()
      if ($suffix -eq '*') { return $null }
      if ($suffix -and ($uri.Host -eq $suffix -or $uri.Host.EndsWith('.' + $suffix))) { return $null }
    }
    return $proxy
  }

  function Get-RequestOptions([string]$Url) {
    $options = @{ Uri = $Url; UseBasicParsing = $true }
    $proxy = Get-Proxy $Url
    if ($proxy) { $options.Proxy = $proxy }
    return $options
  }

  # Reports an enrollment stage to Outpost; never fails. The token travels in a header
  # set in this process, not on any command line.
  function Send-Report([string]$Stage, [string]$Reason) {
    $token = $env:CODER_AGENT_TOKEN
    if (-not $token) { return }
    $body = @{ stage = $Stage }
    if ($Reason) { $body.error = Limit-Text $Reason 2000 }
    if ($Stage -eq 'script_started') {
      $body.hostname = Limit-Text ([Environment]::MachineName) 250
      $body.uname = Limit-Text ('Windows ' + [Environment]::OSVersion.VersionString + ' ' + $env:PROCESSOR_ARCHITECTURE) 500
    }
    try {
      $options = Get-RequestOptions $ReportUrl
      $json = ConvertTo-Json -InputObject $body -Compress
      Invoke-RestMethod @options -Method Post -TimeoutSec 5 -ContentType 'application/json' -Headers @{ 'Coder-Session-Token' = $token } -Body $json | Out-Null
    } catch {
      # Best effort.
    }
  }

  function Stop-Init([string]$Message) {
    Write-Log "error: $Message"
    Send-Report 'failed' $Message
    if ($PrivateDir) { Remove-Item -LiteralPath $PrivateDir -Recurse -Force -ErrorAction SilentlyContinue }
    throw "outpost-init failed: $Message"
  }

  # True when the file starts like an HTML page (an auth proxy or a login page).
  function Test-Html([string]$Text) {
    return $Text -match '^\s*<(!doctype|html)'
  }

  function Read-Start([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return '' }
    $stream = [IO.File]::OpenRead($Path)
    try {
      $buffer = New-Object byte[] 256
      $count = $stream.Read($buffer, 0, $buffer.Length)
      return [Text.Encoding]::ASCII.GetString($buffer, 0, $count)
    } finally {
      $stream.Dispose()
    }
  }

  if (-not $env:CODER_AGENT_TOKEN) {
    Write-Log 'error: CODER_AGENT_TOKEN is not set. Run the command from the workspace credentials:'
    Write-Log ('  $env:CODER_AGENT_TOKEN="<token>"; iwr -useb "' + $OutpostUrl + '/api/v2/init-script/' + $AgentPlatform + '" | iex')
    throw 'outpost-init failed: CODER_AGENT_TOKEN is not set'
  }

  # Windows PowerShell 5.1 may default to TLS 1.0; allow TLS 1.2 for this process.
  try {
    [Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
  } catch {
    # Not available: keep the default.
  }

  Send-Report 'script_started'

  if (-not $ExpectedSha256) {
    Stop-Init "Outpost at $OutpostUrl has no agent binary for $($AgentPlatform): $BinaryName is not installed on the Outpost. An operator must put Coder's $BinaryName at $ServerBinaryPath on the Outpost server; then run this command again."
  }

  $retries = 5
  $parsed = 0
  if ([int]::TryParse("$env:CODER_INIT_RETRIES", [ref]$parsed) -and $parsed -ge 1) { $retries = $parsed }
  $delay = 1
  if ([int]::TryParse("$env:CODER_INIT_RETRY_DELAY", [ref]$parsed) -and $parsed -ge 0) { $delay = $parsed }

  try {
    $PrivateDir = Join-Path ([IO.Path]::GetTempPath()) ('coder.' + [Guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $PrivateDir | Out-Null
  } catch {
    Stop-Init "cannot create a private directory in $([IO.Path]::GetTempPath()): $($_.Exception.Message)"
  }
  try {
    # Only the current user may read the directory (a shared TEMP, as SYSTEM's, is not private).
    $acl = New-Object Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    $me = [Security.Principal.WindowsIdentity]::GetCurrent().User
    $rule = New-Object Security.AccessControl.FileSystemAccessRule($me, 'FullControl', 'ContainerInherit,ObjectInherit', 'None', 'Allow')
    $acl.AddAccessRule($rule)
    Set-Acl -LiteralPath $PrivateDir -AclObject $acl
  } catch {
    Write-Log "warning: cannot restrict $PrivateDir to the current user: $($_.Exception.Message)"
  }
  # Named sshd.exe as Coder's own script does: VS Code Remote looks for a parent
  # process of that name.
  $binary = Join-Path $PrivateDir 'sshd.exe'

  Write-Log "downloading $BinaryUrl"
  $attempt = 1
  while ($true) {
    $status = 0
    $detail = ''
    $errorBody = ''
    try {
      if (Test-Path -LiteralPath $binary) { Remove-Item -LiteralPath $binary -Force }
      $options = Get-RequestOptions $BinaryUrl
      $response = Invoke-WebRequest @options -OutFile $binary -PassThru -TimeoutSec 1800
      $status = [int]$response.StatusCode
    } catch {
      $detail = $_.Exception.Message
      if ($_.Exception.Response) { $status = [int]$_.Exception.Response.StatusCode }
      if ($_.ErrorDetails) { $errorBody = "$($_.ErrorDetails.Message)" }
    }
    if ((Test-Html (Read-Start $binary)) -or (Test-Html $errorBody)) {
      Stop-Init "$BinaryUrl returned an HTML page (HTTP $status) instead of the agent binary: an authenticating proxy or a login page is in the way between this machine and Outpost. Let this machine reach $OutpostUrl directly, or set HTTPS_PROXY/HTTP_PROXY and NO_PROXY for it."
    }
    if ($status -eq 200 -and (Test-Path -LiteralPath $binary) -and (Get-Item -LiteralPath $binary).Length -gt 0) { break }
    $message = ''
    if ($errorBody -match '"message"\s*:\s*"([^"]*)"') { $message = $Matches[1] }
    if ($status -eq 0) {
      $reason = "no response from $($OutpostUrl): $detail"
    } elseif ($message) {
      $reason = "HTTP $status from $($BinaryUrl): $message"
    } else {
      $reason = "HTTP $status from $($BinaryUrl): $detail"
    }
    if ($status -ge 400 -and $status -lt 500 -and $status -ne 408 -and $status -ne 429) {
      Stop-Init "cannot download the agent binary: $reason"
    }
    if ($attempt -ge $retries) {
      Stop-Init "cannot download the agent binary after $attempt attempts: $reason"
    }
    Write-Log "download failed: $reason; trying again in $($delay)s (attempt $($attempt + 1) of $retries)"
    Start-Sleep -Seconds $delay
    $attempt += 1
    $delay = [Math]::Min($delay * 2, 60)
  }
  Send-Report 'binary_downloaded'

  $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $binary).Hash.ToLowerInvariant()
  if ($actual -ne $ExpectedSha256) {
    Stop-Init "checksum mismatch for $($BinaryUrl): expected sha256 $ExpectedSha256, got $actual. The file was changed on the way, or the Outpost's binary changed after this script was fetched: run the command again, and if it persists, check what sits between this machine and Outpost."
  }
  Send-Report 'binary_verified'

  # A native command's stderr must not become a terminating error here.
  $ErrorActionPreference = 'Continue'
  $version = ''
  $code = 0
  try {
    $version = (& $binary --version 2>&1 | Out-String)
    $code = $LASTEXITCODE
  } catch {
    $version = $_.Exception.Message
    $code = -1
  }
  $ErrorActionPreference = 'Stop'
  $firstLine = ("$version" -split '\r?\n')[0]
  if ($code -ne 0) {
    Stop-Init "$binary --version failed (exit status $code): $firstLine. If it says the file is not a valid application for this OS platform, this machine ($env:PROCESSOR_ARCHITECTURE) cannot run the $AgentPlatform agent: use the workspace's platform parameter that matches it."
  }
  if ($version -notmatch 'Coder') {
    Stop-Init "$BinaryUrl is not a Coder agent: --version printed ""$firstLine"""
  }

  $env:CODER_AGENT_AUTH = 'token'
  $env:CODER_AGENT_URL = "$OutpostUrl/"
  Write-Log "starting the agent ($firstLine) from $PrivateDir"
  Send-Report 'agent_starting'
  & $binary agent
  if ($LASTEXITCODE -ne 0) { throw "outpost-init: the agent exited with status $LASTEXITCODE" }
}
`
}
