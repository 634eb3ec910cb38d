// Text from outside (forms, queries, the test-data API) with a control character in it is refused
// rather than stored or echoed; PostgreSQL cannot even store NUL in text or jsonb.
const CONTROL = /[\u0000-\u001f\u007f]/;
/** The same, less tab, line feed and carriage return, which a multi-line text may hold. */
const CONTROL_IN_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** Whether `s` holds a control character (tabs and line breaks allowed in a multi-line text). */
export function hasControlCharacter(s: string, { multiline = false }: { multiline?: boolean } = {}): boolean {
  return (multiline ? CONTROL_IN_MULTILINE : CONTROL).test(s);
}
