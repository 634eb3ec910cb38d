// Identifiers that cross a trust boundary (cookies, query strings, route segments, action arguments)
// are checked here before they reach the database: PostgreSQL refuses a malformed uuid with an
// error (a 500), so "not a UUID" must be answered as "not found" at the edge.

/** RFC 9562 textual UUID (any version and variant PostgreSQL's uuid type accepts in this form). */
export const UUID_SOURCE = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const UUID = new RegExp(`^${UUID_SOURCE}$`);

/** True for a well-formed UUID string (36 characters, hyphens at 8-4-4-4-12). */
export function isUuid(value: unknown): value is string {
  return typeof value === "string" && value.length === 36 && UUID.test(value);
}
