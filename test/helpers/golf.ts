// Driving Rustici's Golf example content in Chromium, inside our player: its launch page (a frame in our
// runtime frame) pages with #butNext/#butPrevious through an inner #contentFrame, and its quiz page marks each
// correct answer with class "correctAnswer" (numeric answers are printed in brackets beside the field).
import type { Frame, Page } from 'puppeteer-core';

type Api = { isInitialized(): boolean; GetValue?(k: string): string; LMSGetValue?(k: string): string };

/** The Golf launch page inside our runtime frame, once the content has initialized the API. */
export async function golfFrames(page: Page): Promise<{ runtime: Frame; launchpage: Frame }> {
  const runtime = (await (await page.waitForSelector('#sco'))!.contentFrame())!;
  const launchpage = (await (await runtime.waitForSelector('#content'))!.contentFrame())!;
  await launchpage.waitForSelector('#butNext');
  await runtime.waitForFunction(() => {
    const w = window as unknown as { API?: Api; API_1484_11?: Api };
    return (w.API ?? w.API_1484_11)!.isInitialized();
  });
  return { runtime, launchpage };
}

/** A CMI value as the content would read it. */
export function cmiValue(runtime: Frame, element: string): Promise<string> {
  return runtime.evaluate((el) => {
    const w = window as unknown as { API?: Api; API_1484_11?: Api };
    return w.API_1484_11 ? w.API_1484_11.GetValue!(el) : w.API!.LMSGetValue!(el);
  }, element);
}

/** Pages forward to the last page (where Golf sets completion, and shows the quiz when the SCO has one). */
export async function readToTheEnd(launchpage: Frame) {
  for (let i = 0; i < 30 && !(await launchpage.$eval('#butNext', (b) => (b as HTMLButtonElement).disabled)); i++) await launchpage.click('#butNext');
}

/** Answers the quiz on the current page: every answer right, or wrong ones for the first `wrong` questions. */
export async function answerQuiz(launchpage: Frame, { wrong = 0 } = {}) {
  const quiz = (await (await launchpage.waitForSelector('#contentFrame'))!.contentFrame())!;
  await quiz.waitForSelector('input[type="button"][value="Submit Answers"]');
  await quiz.$$eval(
    '.correctAnswer',
    (answers, wrongCount) => {
      answers.forEach((answer, index) => {
        const input = answer.querySelector('input')!;
        const right = index >= wrongCount;
        if (input.type === 'radio') {
          if (right) input.checked = true;
          else (answer.parentElement!.querySelector('.answer input') as HTMLInputElement | null)?.click();
        } else input.value = right ? /\((.*)\)/.exec(answer.textContent!)![1]!.trim() : '-1';
      });
    },
    wrong,
  );
  await quiz.click('input[type="button"][value="Submit Answers"]');
}
