import { randomUUID } from 'node:crypto'
import type { Db } from '../db/client.js'
import { getOrCreateSiteConfig } from '../store/site-configs.js'

/** A stable identifier for this deployment, made on first use and shared by every replica. */
export function deploymentId(db: Db): Promise<string> {
  return getOrCreateSiteConfig(db, 'deployment_id', randomUUID())
}
