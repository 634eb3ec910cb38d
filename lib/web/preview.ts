/** What the input screen shows before 更新, and what it sends back as the promise it showed. */
export interface Preview {
  number: string;
  sentence: string;
  promise: string;
  /** ISO instants: when the preview stops being true, and the server's "now" it was made at. */
  changesAt: string;
  serverNow: string;
}
