// Runs once when the server process starts: configuration, migrations, demo data, background loops.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { bootServerOrExit } = await import("./lib/boot");
  await bootServerOrExit();
}
