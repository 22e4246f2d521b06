/** Heating degree days live in src/common/energy/hdd.ts, shared with municipal energy. */
export * from '#common/energy/hdd.ts';
