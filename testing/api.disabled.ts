// What production builds have instead of testing/api.ts (next.config.ts aliases it): no test-data API.
import type { TestApi } from "./api";

export const testApi: TestApi | null = null;
