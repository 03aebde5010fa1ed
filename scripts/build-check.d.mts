export function buildIsUpToDate(stampMtimeMs: number | null, inputMtimesMs: number[]): boolean;
export function buildInputMtimes(root: string): number[];
export function needsBuild(root: string): boolean;
export function buildWithStamp(root: string, compile: () => void): void;
