# An external workspace: Outpost (or Coder) records the workspace and its agent,
# and you attach an existing machine of the chosen platform by running the agent
# with the token the workspace gives you. Nothing is provisioned.

terraform {
  required_providers {
    coder = {
      source = "coder/coder"
    }
  }
}

data "coder_parameter" "platform" {
  name         = "platform"
  display_name = "Platform"
  description  = "The operating system and CPU architecture of the machine you will attach."
  type         = "string"
  mutable      = false
  default      = "linux-amd64"
  icon         = "/icon/terminal.svg"

  option {
    name  = "Linux (amd64)"
    value = "linux-amd64"
  }
  option {
    name  = "Linux (arm64)"
    value = "linux-arm64"
  }
  option {
    name  = "Linux (armv7)"
    value = "linux-armv7"
  }
  option {
    name  = "macOS (amd64)"
    value = "darwin-amd64"
  }
  option {
    name  = "macOS (arm64)"
    value = "darwin-arm64"
  }
  option {
    name  = "Windows (amd64)"
    value = "windows-amd64"
  }
  option {
    name  = "Windows (arm64)"
    value = "windows-arm64"
  }
}

locals {
  # "linux-amd64" -> os "linux", arch "amd64"
  platform = split("-", data.coder_parameter.platform.value)
  os       = local.platform[0]
  arch     = local.platform[1]
}

resource "coder_agent" "main" {
  os   = local.os
  arch = local.arch
}

resource "coder_external_agent" "main" {
  agent_id = coder_agent.main.id
}
