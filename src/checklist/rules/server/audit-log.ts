import { serverConfigs } from '../../inspect';
import { Level, Rule } from '../../rule';

export const auditLog: Rule = {
  id: 'SPIRE-SRV6',
  level: Level.WARN,
  title: 'The server audit log is on (audit_log_enabled).',
  reason: 'Registrations and deregistrations of identities must be traceable.',
  fix: "Keep 'auditLogEnabled' true (the default).",
  neutralFix: 'Set server.audit_log_enabled = true in server.conf.',
  check: (objects) =>
    serverConfigs(objects)
      .filter((f) => f.config?.server?.audit_log_enabled !== true)
      .map((f) => ({ object: f.name, message: 'server.conf does not set audit_log_enabled = true.' })),
};
