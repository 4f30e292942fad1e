// Word lists of the semantic cache's lexical guard (guard.ts): general English facts
// (negations, opposites, number words, units, function words of four languages), not prompts.

export const NEGATIONS = new Set([
  'not', 'no', 'never', 'none', 'nobody', 'nothing', 'nowhere', 'neither', 'nor', 'cannot', 'without',
  'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'wasnt', 'werent', 'wont', 'wouldnt', 'shouldnt', 'couldnt',
  'cant', 'hasnt', 'havent', 'hadnt', 'mustnt', 'neednt', 'aint', 'non', 'unless', 'except'
])

// Opposite poles; `|` separates words of the same pole. Words are matched after stem() (guard.ts).
export const OPPOSITES: Array<[string, string]> = [
  ['on', 'off'], ['in', 'out'], ['up', 'down'], ['for', 'against'], ['enable|enabled', 'disable|disabled'], ['activate', 'deactivate'], ['start', 'stop'], ['open', 'close'],
  ['increase|raise|boost|higher|rise|rising|grow', 'decrease|lower|reduce|drop|fall|falling|shrink'],
  ['add', 'remove'], ['include', 'exclude'], ['allow', 'deny|forbid|block'], ['accept', 'reject|decline|refuse'],
  ['buy', 'sell'], ['before', 'after'], ['early|earlier|earliest', 'late|later|latest'],
  ['min|minimum|smallest', 'max|maximum|largest|biggest'], ['best', 'worst'], ['more', 'less|fewer'], ['most', 'least'],
  ['true', 'false'], ['yes', 'no'], ['safe|safety', 'harmful|dangerous|unsafe|risky'], ['good', 'bad'],
  ['advantage|benefit|pro', 'disadvantage|drawback|downside|risk|con'], ['strength|strong', 'weakness|weak'],
  ['encrypt', 'decrypt'], ['import', 'export'], ['upload', 'download'], ['upgrade', 'downgrade'],
  ['login|log-in|signin', 'logout|signout'], ['hot|warm', 'cold|cool'], ['fast|faster|fastest|quick', 'slow|slower|slowest'],
  ['last', 'first|next'], ['inside|internal|indoor', 'outside|external|outdoor'], ['above', 'below'], ['win', 'lose'],
  ['gain', 'lose|loss'], ['profit', 'loss'], ['love', 'hate'], ['legal', 'illegal'], ['possible', 'impossible'],
  ['like', 'dislike'], ['agree', 'disagree'], ['high', 'low'], ['big|large', 'small|little|tiny'],
  ['long|longer|longest|tall|taller|tallest', 'short|shorter|shortest'], ['heavy', 'light'], ['light', 'dark'],
  ['cheap|cheaper|cheapest', 'expensive|costly'], ['rich', 'poor'], ['easy|easier|easiest|simple', 'hard|harder|hardest|difficult'],
  ['positive', 'negative'], ['success|succeed', 'failure|fail'], ['pass', 'fail'], ['push', 'pull'],
  ['north', 'south'], ['east', 'west'], ['left', 'right'], ['top', 'bottom'], ['front', 'back'],
  ['forward', 'backward'], ['horizontal', 'vertical'], ['ascending', 'descending'], ['input', 'output'],
  ['send', 'receive'], ['lock', 'unlock'], ['join', 'leave'], ['attach', 'detach'], ['connect', 'disconnect'],
  ['public', 'private'], ['old|older|oldest', 'new|newer|newest|young|younger|youngest'], ['wet', 'dry'],
  ['happy', 'sad'], ['same|similar', 'different'], ['many', 'few'],
  ['compress', 'decompress'], ['serialize', 'deserialize'], ['select', 'deselect'], ['register', 'deregister'], ['hide', 'show'], ['asleep', 'awake'], ['full', 'empty'], ['thick', 'thin']
]

// Prefix swaps that turn a word into its opposite (stem of at least 4 letters): unhide, disconnect,
// invalid, impossible, encrypt/decrypt, import/export, upgrade/downgrade.
export const OPPOSITE_PREFIXES: Array<[string, string]> = [
  ['', 'un'], ['', 'dis'], ['', 'non'], ['', 'in'], ['', 'im'], ['', 'il'], ['', 'ir'], ['', 'anti'],
  ['en', 'de'], ['in', 'de'], ['im', 'ex'], ['in', 'ex'], ['up', 'down'], ['over', 'under'], ['pre', 'post']
]

export const NUMBER_WORDS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
  hundred: 100,
  thousand: 1000,
  million: 1e6,
  billion: 1e9,
  half: 0.5,
  twice: 2,
  double: 2,
  triple: 3,
  // Ordinals count as their number: "the first amendment" is not "the second amendment".
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  fifth: 5,
  sixth: 6,
  seventh: 7,
  eighth: 8,
  ninth: 9,
  tenth: 10,
  eleventh: 11,
  twelfth: 12,
  twentieth: 20,
  hundredth: 100
}

// Units of measure and currencies, each spelling mapped to one name (singular after stem()).
const UNIT_GROUPS: Record<string, string> = {
  millimeter: 'mm millimeter millimetre',
  centimeter: 'cm centimeter centimetre',
  meter: 'm meter metre',
  kilometer: 'km kilometer kilometre kilometers kph',
  inch: 'inch inche',
  foot: 'ft foot feet',
  yard: 'yd yard',
  mile: 'mile mi',
  mph: 'mph',
  knot: 'knot',
  milligram: 'mg milligram',
  gram: 'g gram',
  kilogram: 'kg kilogram kilo',
  pound: 'lb lbs pound gbp',
  ounce: 'oz ounce',
  stone: 'stone',
  ton: 'ton tonne',
  milliliter: 'ml milliliter millilitre',
  liter: 'l liter litre',
  gallon: 'gal gallon',
  quart: 'qt quart',
  pint: 'pint',
  cup: 'cup',
  tablespoon: 'tbsp tablespoon',
  teaspoon: 'tsp teaspoon',
  celsius: 'celsius centigrade',
  fahrenheit: 'fahrenheit',
  kelvin: 'kelvin',
  millisecond: 'ms millisecond',
  second: 'sec second',
  minute: 'min minute',
  hour: 'h hr hour',
  day: 'day daily',
  week: 'week weekly',
  month: 'month monthly',
  year: 'year yearly annual annually',
  bit: 'bit',
  byte: 'byte',
  kilobyte: 'kb kib kilobyte',
  megabyte: 'mb mib megabyte',
  gigabyte: 'gb gib gigabyte',
  terabyte: 'tb tib terabyte',
  acre: 'acre',
  hectare: 'ha hectare',
  calorie: 'cal calorie kcal kilocalorie',
  joule: 'j joule',
  kilojoule: 'kj kilojoule',
  watt: 'w watt',
  kilowatt: 'kw kilowatt',
  horsepower: 'hp horsepower',
  pascal: 'pa pascal',
  psi: 'psi',
  bar: 'bar',
  atmosphere: 'atm atmosphere',
  dollar: 'usd dollar buck',
  euro: 'eur euro',
  yen: 'jpy yen',
  peso: 'peso',
  rupee: 'inr rupee',
  yuan: 'cny rmb yuan',
  franc: 'chf franc',
  won: 'krw'
}

export const UNITS = new Map(Object.entries(UNIT_GROUPS).flatMap(([name, spellings]) => spellings.split(' ').map((s) => [s, name] as [string, string])))

// Function words that belong to one of the four languages only (words shared by two, such as
// "la", "de", "en", "die", "was", are left out), compared without accents.
export const FUNCTION_WORDS: Record<string, Set<string>> = {
  en: new Set('the is are what how do does did i you we not or if on at by your of and to my for with can this that it why which who where when should could would will there from about between into an be have has'.split(' ')),
  fr: new Set('le les est une des du et je tu vous nous pourquoi quel quelle quels quelles pour sur avec dans moi mon ma mes cet cette ce au aux sont pas cest quest'.split(' ')),
  es: new Set('el los las y como cual cuales por para con mi mis del al lo su una sobre hace hago dame donde cuando porque'.split(' ')),
  de: new Set('der das ist ein eine einen und ich wie warum welche mit fur auf zu mein meine sind nicht wird mir mich den dem unter sie wir gib von zur zum auch oder wo wofur'.split(' '))
}

// Letters that only one of the four languages writes.
export const LETTERS: Record<string, RegExp> = { fr: /[èêàçâîôûùœ]/u, es: /[ñ¿¡áíóú]/u, de: /[äöüß]/u }

// Words that open a phrase which may move without changing the request ("in Python, how ...",
// "how ... in Python"); a swap of two phrases neither of which opens so ("dog bites man") changes it.
export const PHRASE_OPENERS = new Set([
  'in', 'on', 'at', 'for', 'with', 'without', 'using', 'during', 'before', 'after', 'when', 'while', 'to', 'from',
  'by', 'into', 'as', 'if', 'because', 'since', 'under', 'over', 'within', 'via', 'per', 'about'
])
