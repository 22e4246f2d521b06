import { createApp } from 'vue';
import App from './App.vue';
import { i18n, preferredLanguage, setLanguage } from './i18n/index.ts';
import { router } from './router.ts';
import './styles.css';

// The page speaks the visitor's language from the first paint, and shows the first page only once
// the router has resolved it (so a kiosk page never flashes the shell's header).
await setLanguage(preferredLanguage(), false);
const app = createApp(App).use(i18n).use(router);
await router.isReady();
app.mount('#app');
