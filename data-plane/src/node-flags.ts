/**
 * Node flags the gateway is meant to run with. V8's young generation defaults to 16 MB semi-spaces;
 * at 32 MB a gateway under load scavenges half as often (205 → 117 scavenges in 10 s at about
 * 17k req/s, about 2 ms each). The minimum equals the maximum so that V8 neither grows the young
 * generation late nor gives it back while idle: RSS settles once and stays (bench:soak).
 * Node reads these only at start (on its command line or in NODE_OPTIONS), so launchers pass
 * them: the package's start script, infra/ and the benches.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=32", "--min-semi-space-size=32"];

const flagName = (flag: string) => flag.split("=", 1)[0]?.replaceAll("_", "-");

/** The gateway's flags this process was started without; one set to another value counts as given. */
export function missingNodeFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  const given = new Set([...execArgv, ...(nodeOptions ?? "").split(/\s+/)].map(flagName));
  return GATEWAY_NODE_FLAGS.filter((f) => !given.has(flagName(f)));
}
