/** Runs one payload through `htcondor-plugin -c POLICY` (in process) and returns what HTCondor would see. */
import { put, scratch } from './files.js';
import { runMain, type MainResult } from './run.js';

export const EGI = 'https://aai.egi.eu/auth/realms/egi';
export const FAR = 4102444800;

export function policyFile(text: string): string {
  return put(scratch(), 'policy.ini', text);
}

export async function decide(policyText: string, payload: Record<string, unknown> | string): Promise<MainResult> {
  const file = policyFile(policyText);
  return runMain(['htcondor-plugin', '-c', file], {
    stdin: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}
