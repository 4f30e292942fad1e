// Classification metrics on the held-out split. Conventions follow scikit-learn: the confusion
// matrix has true classes as rows and predictions as columns; an undefined ratio (no predictions
// of a class, or no samples of it) counts as 0.

export interface ClassMetrics { precision: number, recall: number, f1: number, support: number }

export interface ClassificationMetrics {
  accuracy: number
  per_class: Record<string, ClassMetrics>
  /** confusion_matrix[true][predicted], in class order. */
  confusion_matrix: number[][]
}

function checkLengths (yTrue: readonly number[], yPred: readonly number[]): void {
  if (yTrue.length !== yPred.length) throw new RangeError(`${yTrue.length} true labels but ${yPred.length} predictions`)
  if (yTrue.length === 0) throw new RangeError('no samples to score')
}

export function accuracy (yTrue: readonly number[], yPred: readonly number[]): number {
  checkLengths(yTrue, yPred)
  return yTrue.filter((y, i) => y === yPred[i]).length / yTrue.length
}

export function confusionMatrix (yTrue: readonly number[], yPred: readonly number[], nClasses: number): number[][] {
  checkLengths(yTrue, yPred)
  const m = Array.from({ length: nClasses }, () => new Array<number>(nClasses).fill(0))
  yTrue.forEach((y, i) => {
    const p = yPred[i]
    if (!(y >= 0 && y < nClasses && p >= 0 && p < nClasses)) throw new RangeError(`label out of range [0, ${nClasses}): true ${y}, predicted ${p}`)
    m[y][p]++
  })
  return m
}

const ratio = (num: number, den: number): number => den === 0 ? 0 : num / den

/** Precision, recall and f1 of each class, read off the confusion matrix. */
export function perClassMetrics (matrix: number[][], classNames: readonly string[]): Record<string, ClassMetrics> {
  return Object.fromEntries(classNames.map((name, c) => {
    const tp = matrix[c][c]
    const predicted = matrix.reduce((sum, row) => sum + row[c], 0)
    const support = matrix[c].reduce((sum, v) => sum + v, 0)
    const precision = ratio(tp, predicted)
    const recall = ratio(tp, support)
    return [name, { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support }]
  }))
}

export function classificationMetrics (yTrue: readonly number[], yPred: readonly number[], classNames: readonly string[]): ClassificationMetrics {
  const matrix = confusionMatrix(yTrue, yPred, classNames.length)
  return { accuracy: accuracy(yTrue, yPred), per_class: perClassMetrics(matrix, classNames), confusion_matrix: matrix }
}

/** Index of the largest value; the first one on ties (as numpy and onnxruntime's ArgMax). */
export function argmax (values: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i
  return best
}
