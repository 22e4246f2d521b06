import { type TSchema, Type } from '@sinclair/typebox';

/** Items per page when a request does not say. */
export const DEFAULT_PAGE_LIMIT = 50;
/** The most items one page can hold. */
export const MAX_PAGE_LIMIT = 500;

/** Query parameters of every paginated list. */
export const PageQuery = {
  cursor: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Opaque: the `next` of the previous page. Leave out for the first page.',
    }),
  ),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_PAGE_LIMIT,
      default: DEFAULT_PAGE_LIMIT,
      description: `Items per page: default ${DEFAULT_PAGE_LIMIT}, at most ${MAX_PAGE_LIMIT}.`,
    }),
  ),
};

/** A page of a list: its items and, when more follow, the cursor of the next page. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    next: Type.Optional(
      Type.String({ description: 'Pass as `cursor` for the next page; absent on the last.' }),
    ),
  });

export interface PageOf<T> {
  items: T[];
  next?: string;
}
