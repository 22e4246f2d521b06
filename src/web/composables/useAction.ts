import { ref } from 'vue';
import { problemText, type ProblemWords, type Translate } from '../api/problem-text.ts';

/**
 * What a form's button does: busy while it runs (the button waits), and what went wrong in the
 * person's words (problemText, with the page's own `words` for the failure at hand). `run`
 * resolves with the action's value, or undefined when it failed.
 */
export function useAction(t: Translate, words: (error: unknown) => ProblemWords = () => ({})) {
  const busy = ref(false);
  const error = ref('');
  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = '';
    try {
      return await action();
    } catch (e) {
      error.value = problemText(t, e, words(e));
      return undefined;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}
