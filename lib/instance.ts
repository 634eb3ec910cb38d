import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * Who this process is, for logs, metrics and worker heartbeats: INSTANCE_ID when the deployment
 * names it (e.g. systemd's %i: web-1, worker-2), else host-pid-random. Kept on globalThis so every
 * bundle of the server sees the same id.
 */
const holder = globalThis as unknown as { __selfcareInstance?: { id: string; host: string; pid: number }; __selfcareRole?: "web" | "worker" };

/** What this process is: the web server (default) or a separate worker (scripts/worker.ts sets it). */
export const instanceRole = (): "web" | "worker" => holder.__selfcareRole ?? "web";
export function setInstanceRole(role: "web" | "worker"): void {
  holder.__selfcareRole = role;
}

export function instance(): { id: string; host: string; pid: number } {
  if (!holder.__selfcareInstance) {
    const host = hostname();
    const given = process.env.INSTANCE_ID?.trim();
    holder.__selfcareInstance = { id: given || `${host}-${process.pid}-${randomBytes(2).toString("hex")}`, host, pid: process.pid };
  }
  return holder.__selfcareInstance;
}
