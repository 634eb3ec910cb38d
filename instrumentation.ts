// Runs once when the server process starts: configuration, migrations, demo data, background loops
// (in the background: GET /api/ready answers 200 once they are done).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { bootServerOrExit } = await import("./lib/boot");
  bootServerOrExit();
}
