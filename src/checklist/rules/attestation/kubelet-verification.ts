import { agentConfigs, plugins } from '../../inspect';
import { Level, Rule } from '../../rule';

export const kubeletVerification: Rule = {
  id: 'SPIRE-ATT2',
  level: Level.ERROR,
  title: "The agent's k8s workload attestor verifies the kubelet's certificate.",
  reason: 'Without verification, whoever answers on the kubelet port decides which pod (and so which identity) a process is.',
  fix: 'Use KubeletVerification.apiServerCa() (the default) or .hostCert(path).',
  neutralFix: 'In agent.conf\'s WorkloadAttestor k8s, remove skip_kubelet_verification: true and verify the kubelet (kubelet_ca_path, or the API server CA).',
  check: (objects) =>
    agentConfigs(objects).flatMap((f) =>
      plugins(f.config, 'WorkloadAttestor')
        .filter(([n, d]) => n === 'k8s' && d.skip_kubelet_verification === true)
        .map(() => ({ object: f.name, message: 'skip_kubelet_verification is true.' })),
    ),
};
