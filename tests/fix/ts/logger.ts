// The project's own logger.
export const logger = {
  info(fields: object): void {
    console.info(JSON.stringify(fields));
  },
  warn(fields: object): void {
    console.warn(JSON.stringify(fields));
  },
};

export type Logger = typeof logger;
