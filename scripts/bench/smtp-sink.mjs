// An SMTP server that accepts every message at once (drains the data, parses nothing), in its own
// process so that the sender being measured does not share its CPU — as a real relay would not.
// Started by scripts/bench/scale.ts with child_process.fork(this file, [port]); it sends
// { listening: port } once it listens and answers "count" with { received: n }.
import { SMTPServer } from "smtp-server";

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  disableReverseLookup: true,
  logger: false,
  maxClients: 1000,
  onData(stream, _session, callback) {
    stream.on("data", () => undefined);
    stream.on("end", () => {
      received++;
      callback();
    });
  },
});
server.once("error", (error) => {
  console.error(error);
  process.exit(1);
});
server.listen(Number(process.argv[2]), "127.0.0.1", () => process.send?.({ listening: Number(process.argv[2]) }));
process.on("message", (m) => {
  if (m === "count") process.send?.({ received });
});
process.on("disconnect", () => server.close(() => process.exit(0)));
