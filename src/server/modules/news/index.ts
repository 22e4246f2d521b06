import { defineModule } from '../../module.ts';
import { NewsService } from './news.service.ts';
import { newsRoutes } from './news.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** The local news channel (fetched by the `news-fetch` job). */
    news: NewsService;
  }
}

/** The job that fetches the news feeds. */
export const NEWS_FETCH_JOB = 'news-fetch';

/** The local news channel: feeds fetched on a schedule, shown on the portal and the building TV. */
export const newsModule = defineModule({
  id: 'news',
  open: ({ db, logger, config }) => ({
    news: new NewsService(db, logger, { retentionDays: config.newsRetentionDays }),
  }),
  routes: [{ plugin: newsRoutes }],
  jobs: ({ news }, { config }) => [
    {
      name: NEWS_FETCH_JOB,
      everyMs: config.newsFetchIntervalS * 1000,
      run: async () => void (await news.fetchAll()),
    },
  ],
});
