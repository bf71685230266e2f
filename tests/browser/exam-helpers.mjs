// exam-helpers.mjs — driving the exam page the way a person does: the navigator to move,
// the labels of the options to answer, the sticky bar to read the time and the save state.

/** Opens question `pos` through the navigator (答题卡). */
export async function openQuestion(page, pos) {
  await page.locator(`.nav-q[data-pos="${pos}"]`).click();
  await page.locator(`.question-card[data-pos="${pos}"]`).waitFor();
}

/** Answers the question on screen: single → first option, multiple → first two, judge → 正确.
 *  Returns the question's type. */
export async function answerCurrent(page, pos) {
  const card = page.locator(`.question-card[data-pos="${pos}"]`);
  await card.waitFor();
  const type = await card.getAttribute('data-type');
  const options = card.locator('label.option');
  if (type === 'single') {
    await options.nth(0).click();
  } else if (type === 'multiple') {
    await options.nth(0).click();
    await options.nth(1).click();
  } else {
    await card.locator('label.option', {hasText: '正确'}).click();
  }
  return type;
}

/** What the page shows for question `pos`: stem, options and the checked keys. */
export async function readQuestion(page, pos) {
  await openQuestion(page, pos);
  const card = page.locator(`.question-card[data-pos="${pos}"]`);
  return card.evaluate((el, p) => ({
    position: p,
    type: el.dataset.type,
    stem: el.querySelector('.q-stem').textContent,
    options: Array.from(el.querySelectorAll('label.option')).map((l) => l.textContent),
    response: Array.from(el.querySelectorAll('.option-input')).filter((i) => i.checked).map((i) => i.value).sort().join(''),
  }), pos);
}

/** The countdown in seconds ("59:58" or "1:02:03"). */
export async function remainingSeconds(page) {
  const t = (await page.locator('.timer-value').innerText()).trim();
  return t.split(':').map(Number).reduce((acc, n) => acc * 60 + n, 0);
}

/** Waits until the save indicator says 已保存. */
export async function waitSaved(page, timeout = 10000) {
  await page.locator('.save-state', {hasText: '已保存'}).waitFor({timeout});
}
