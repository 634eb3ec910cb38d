// next-intl's translators are typed by the catalogue (global.d.ts): a literal key and its arguments
// are checked. A key known only at run time — a validation message from a zod schema, an error the
// server returned, an audit type from the database — cannot be; it goes through these instead.

type Values = Record<string, string | number | Date>;

interface RuntimeKeyTranslator {
  (key: string, values?: Values): string;
  has(key: string): boolean;
}

/** The text of a catalogue key known only at run time, or `fallback` (the key itself) when there is no such message. */
export function textOf(t: object, key: string, { values, fallback = key }: { values?: Values; fallback?: string } = {}): string {
  const translate = t as RuntimeKeyTranslator;
  return translate.has(key) ? translate(key, values) : fallback;
}
