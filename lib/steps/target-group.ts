// A routed service's target group (cruddur-<service>-tg): type ip, its container port, and the
// health check its declaration names.
import type { ServiceDeclaration } from '../config/services.js'
import type { Step } from './step.js'

const steps = new Map<string, Step>()

/** The step that creates a service's target group (one object per service, so steps can refer to it). */
export function targetGroupStep(service: ServiceDeclaration): Step {
  const existing = steps.get(service.name)
  if (existing) return existing
  const step: Step = {
    id: `elbv2/create-target-group:${service.name}`,
    command: `elbv2/create-target-group ${service.name}`,
    title: `target group of ${service.name}`,
    needs: [],
    // SKELETON: filled in by the front-door network work.
    async run() {
      return []
    },
  }
  steps.set(service.name, step)
  return step
}
