// The outbox's SMTP transport (lib/mail/sender.ts smtpTransport) against real SMTP servers: the pool
// really keeps its connections (nodemailer.createTransport({ url, … }) used to drop every option but
// the URL, so the "pooled" sender opened one connection per message), and the sockets it opens itself
// (TCP_NODELAY, ADR 038) still carry implicit TLS and STARTTLS. No database.
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { smtpTransport } from "@/lib/mail/sender";
import { freePort } from "../fixtures/net";

interface Seen {
  connections: number;
  messages: { to: string; secure: boolean; data: string }[];
}

const servers: SMTPServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function server(port: number, options: Partial<SMTPServerOptions> = {}): Promise<Seen> {
  const seen: Seen = { connections: 0, messages: [] };
  const s = new SMTPServer({
    authOptional: true,
    logger: false,
    ...options,
    onConnect(_session, callback) {
      seen.connections++;
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        seen.messages.push({ to: session.envelope.rcptTo[0]?.address ?? "", secure: session.secure, data: Buffer.concat(chunks).toString("utf8") });
        callback();
      });
    },
  });
  servers.push(s);
  await new Promise<void>((resolve, reject) => {
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve());
  });
  return seen;
}

const mail = (i: number) => ({ from: "IP電話サポート <no-reply@example.jp>", to: `t${i}@example.jp`, subject: `件名 ${i}`, text: `本文 ${i}`, messageId: `<m${i}@selfcare.invalid>` });

describe("the outbox's SMTP transport", () => {
  it("keeps at most `connections` SMTP connections for many parallel messages", async () => {
    const port = await freePort();
    const seen = await server(port, { disabledCommands: ["STARTTLS"] });
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 3 });
    await Promise.all(Array.from({ length: 60 }, (_, i) => transport.sendMail(mail(i))));
    transport.close?.();
    expect(seen.messages.map((m) => m.to).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `t${i}@example.jp`).sort());
    expect(seen.connections).toBeGreaterThanOrEqual(1);
    expect(seen.connections).toBeLessThanOrEqual(3);
  });

  it("without `connections`, opens one connection per message (the tests' and one-off senders' transport)", async () => {
    const port = await freePort();
    const seen = await server(port, { disabledCommands: ["STARTTLS"] });
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`);
    for (let i = 0; i < 4; i++) await transport.sendMail(mail(i));
    expect(seen.messages).toHaveLength(4);
    expect(seen.connections).toBe(4);
    expect(seen.messages[2]!.data).toContain("Message-ID: <m2@selfcare.invalid>");
  });

  it("speaks implicit TLS for smtps:// over its own socket", async () => {
    const port = await freePort();
    // smtp-server's bundled self-signed certificate; the URL tells nodemailer not to verify it.
    const seen = await server(port, { secure: true });
    const transport = smtpTransport(`smtps://127.0.0.1:${port}/?tls.rejectUnauthorized=false`, { connections: 2 });
    await Promise.all([0, 1, 2].map((i) => transport.sendMail(mail(i))));
    transport.close?.();
    expect(seen.messages.map((m) => m.secure)).toEqual([true, true, true]);
  });

  it("upgrades with STARTTLS when the server offers it", async () => {
    const port = await freePort();
    const seen = await server(port);
    const transport = smtpTransport(`smtp://127.0.0.1:${port}/?tls.rejectUnauthorized=false`);
    await transport.sendMail(mail(7));
    expect(seen.messages).toEqual([expect.objectContaining({ to: "t7@example.jp", secure: true })]);
  });

  it("fails a send when nothing listens, instead of hanging", async () => {
    const port = await freePort();
    const transport = smtpTransport(`smtp://127.0.0.1:${port}`, { connections: 2 });
    await expect(transport.sendMail(mail(1))).rejects.toMatchObject({ code: expect.stringMatching(/ECONNREFUSED|ESOCKET/) });
    transport.close?.();
  });
});
