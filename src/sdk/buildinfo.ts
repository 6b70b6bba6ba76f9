import { Type, type Static } from 'typebox'

/** Coder's `codersdk.BuildInfoResponse`. */
export const BuildInfoResponseSchema = Type.Object(
  {
    external_url: Type.String(),
    version: Type.String(),
    dashboard_url: Type.String(),
    workspace_proxy: Type.Boolean(),
    agent_api_version: Type.String(),
    provisioner_api_version: Type.String(),
    upgrade_message: Type.String(),
    deployment_id: Type.String(),
    telemetry: Type.Boolean(),
  },
  { additionalProperties: false },
)
export type BuildInfoResponse = Static<typeof BuildInfoResponseSchema>
