/**
 * A real Envoy standing in for a workload's istio-proxy inbound listener: the downstream TLS
 * context and RBAC filters Istio computed (e2e/harness/istio.ts), certificates from the real
 * spire-agent over SDS (the `sds-grpc` cluster istio-proxy's bootstrap points at the agent's
 * socket when SPIRE is the CA), and a `direct_response` 200 standing in for the application.
 *
 * Stand-ins, as named: one static listener on the workload's port instead of istiod's
 * virtualInbound with iptables redirection (so `destination_port` sees the port the caller
 * dialled, as the original-destination listener filter restores it), and the HTTP connection
 * manager options istiod sets that bear on RBAC matching (path normalization, mesh default BASE).
 */
import * as fs from 'fs';
import * as path from 'path';
import { BIN } from './components';
import { SidecarInbound } from './istio';
import { Proc, start, tcpOpen, waitFor } from './proc';

export interface EnvoyOptions {
  readonly dir: string;
  readonly name: string;
  /** Runs as this uid: the agent's unix attestor gives Envoy the SVID registered for it. */
  readonly uid: number;
  readonly agentSocket: string;
  readonly address: string;
  readonly port: number;
  readonly adminPort: number;
  readonly inbound: SidecarInbound;
}

export interface Envoy {
  readonly proc: Proc;
  readonly admin: string;
  /** HCM stat prefix: RBAC stats are `http.<statPrefix>.rbac.*`. */
  readonly statPrefix: string;
  readonly accessLog: string;
  readonly configFile: string;
  /** Counters and gauges of the admin `/stats` page. */
  stats(): Promise<Record<string, number>>;
  /** The SPIFFE IDs (URI SANs) of the certificates Envoy holds (admin `/certs`). */
  certificateIds(): Promise<string[]>;
}

export async function startEnvoy(o: EnvoyOptions): Promise<Envoy> {
  const dir = path.join(o.dir, o.name);
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o777); // Envoy (as o.uid) writes its access log here
  const statPrefix = `inbound_${o.port}`;
  const accessLog = path.join(dir, 'access.log');
  if (!o.inbound.downstreamTlsContext) throw new Error(`Istio configured no mutual TLS for the port (mode ${o.inbound.mtlsMode})`);
  const hcm = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    'stat_prefix': statPrefix,
    // As istiod sets for the mesh default pathNormalization (BASE): RFC 3986 normalization, escaped slashes kept.
    'normalize_path': true,
    'path_with_escaped_slashes_action': 'KEEP_UNCHANGED',
    'http_filters': [
      ...o.inbound.httpFilters,
      { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
    ],
    'route_config': {
      name: 'app',
      virtual_hosts: [{ name: 'app', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: 'app reached' } } }] }],
    },
    'access_log': [{
      name: 'envoy.access_loggers.file',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
        'path': accessLog,
        'log_format': {
          json_format: {
            method: '%REQ(:METHOD)%',
            path: '%REQ(:PATH)%',
            status: '%RESPONSE_CODE%',
            details: '%RESPONSE_CODE_DETAILS%',
            peer: '%DOWNSTREAM_PEER_URI_SAN%',
            rbac: '%DYNAMIC_METADATA(envoy.filters.http.rbac)%',
          },
        },
      },
    }],
  };
  const bootstrap = {
    node: { id: `sidecar~${o.address}~${o.name}`, cluster: o.name },
    admin: { address: { socket_address: { address: o.address, port_value: o.adminPort } } },
    static_resources: {
      clusters: [{
        // The cluster Istio's SDS configs name (pilot's SDSClusterName), here the agent's Workload API socket.
        name: 'sds-grpc',
        type: 'STATIC',
        connect_timeout: '1s',
        typed_extension_protocol_options: {
          'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
            '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
            'explicit_http_config': { http2_protocol_options: {} },
          },
        },
        load_assignment: { cluster_name: 'sds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: o.agentSocket } } } }] }] },
      }],
      listeners: [{
        name: statPrefix,
        address: { socket_address: { address: o.address, port_value: o.port } },
        filter_chains: [{
          transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: o.inbound.downstreamTlsContext },
          filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }],
        }],
      }],
    },
  };
  const configFile = path.join(dir, 'envoy.json');
  fs.writeFileSync(configFile, JSON.stringify(bootstrap, null, 2));
  fs.chmodSync(configFile, 0o644);
  const proc = start(path.dirname(dir), `envoy-${o.name}`, BIN.envoy, ['-c', configFile, '--disable-hot-restart', '--concurrency', '1', '-l', 'info'], { uid: o.uid });
  const admin = `http://${o.address}:${o.adminPort}`;
  const envoy: Envoy = {
    proc,
    admin,
    statPrefix,
    accessLog,
    configFile,
    async stats() {
      const text = await (await fetch(`${admin}/stats`)).text();
      const out: Record<string, number> = {};
      for (const line of text.split('\n')) {
        const m = /^(\S+): (\d+)$/.exec(line);
        if (m) out[m[1]] = Number(m[2]);
      }
      return out;
    },
    async certificateIds() {
      const certs = (await (await fetch(`${admin}/certs`)).json()) as { certificates?: Array<{ cert_chain?: Array<{ subject_alt_names?: Array<{ uri?: string }> }> }> };
      return (certs.certificates ?? []).flatMap((c) => (c.cert_chain ?? []).flatMap((x) => (x.subject_alt_names ?? []).map((s) => s.uri ?? ''))).filter(Boolean);
    },
  };
  await waitFor(`Envoy ${o.name} to serve its admin API`, 60_000, async () => (await fetch(`${admin}/ready`).then((r) => r.text()).catch(() => '')).trim() === 'LIVE', [proc], 250);
  await waitFor(`Envoy ${o.name} to listen on ${o.address}:${o.port}`, 60_000, () => tcpOpen(o.address, o.port), [proc], 250);
  return envoy;
}
