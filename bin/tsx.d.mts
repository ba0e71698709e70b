/** Registers tsx's loader in this process, once (bin/tsx.mjs). */
export function registerTsx(): Promise<void>;
