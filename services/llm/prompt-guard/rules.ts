// Prompt-injection rules, kept as data: one entry per pattern, grouped by category. They run on the
// normalised text (see normalise.ts), so obfuscations (homoglyphs, zero-width characters, leetspeak,
// spaced letters) meet the same patterns as plain text.
export type Category = 'instruction_override' | 'system_prompt_extraction' | 'role_play_jailbreak' | 'delimiter_injection' | 'encoded_payload'

export interface Rule { id: string, category: Category, pattern: RegExp }

const rule = (category: Category, id: string, source: string): Rule => ({ id, category, pattern: new RegExp(source, 'i') })

const PRIOR = '(?:all |any |the |your |my |these |those |every )*(?:previous|prior|above|earlier|preceding|original|initial|system|existing|old)'
const ORDERS = '(?:instructions?|prompts?|rules|directions|directives|guidelines|commands|orders|constraints|programming|guardrails|policies)'

export const RULES: Rule[] = [
  rule('instruction_override', 'ignore_previous', `\\b(?:ignore|disregard|forget|skip|drop|discard|abandon|neglect|bypass)\\b[^.?!\\n]{0,20}\\b${PRIOR}\\b[^.?!\\n]{0,15}\\b${ORDERS}`),
  rule('instruction_override', 'forget_everything', '\\b(?:forget|ignore|disregard)\\b (?:everything|all) (?:you were|you have been|you\'ve been|that was|above|before)'),
  rule('instruction_override', 'override_rules', `\\b(?:override|overwrite|replace|cancel|nullify|void|suspend|lift|remove|turn off|disable|deactivate)\\b (?:all |any |the |your |of your |these )*(?:safety |content |ethical |moral )?(?:${ORDERS}|filters?|restrictions|safeguards|safety|censorship|limitations)`),
  rule('instruction_override', 'new_instructions', '\\b(?:new|updated|real|actual|true|revised) (?:system )?instructions?\\s*(?::|are\\b|follow)'),
  rule('instruction_override', 'from_now_on', '\\bfrom now on,? (?:you (?:will|must|shall|are|have to)|ignore|answer without|respond without)'),
  rule('instruction_override', 'do_not_follow', `\\b(?:do not|don't|stop|no longer) (?:follow|obey|adhere to|comply with|respect)(?:ing)? (?:your |the |any |its )*(?:${ORDERS}|filters?|restrictions)`),
  rule('instruction_override', 'instead_do', '\\binstead(?:,)? (?:of answering|of following)[^.\\n]{0,40}\\b(?:say|print|output|write|respond)'),
  rule('system_prompt_extraction', 'reveal_prompt', `\\b(?:reveal|show|print|repeat|output|display|tell|give|leak|dump|share|expose|return|write out|spell out|list|recite|paste|copy)\\b (?:me |us )?(?:all |exactly |verbatim )?(?:of )?(?:your|the|its) (?:full |complete |entire |exact |whole )?(?:system|initial|hidden|original|secret|internal|developer|pre-?prompt|confidential|base)[ -]?(?:prompt|${ORDERS}|message|configuration|setup|context)`),
  rule('system_prompt_extraction', 'what_is_prompt', '\\bwhat (?:is|are|were|was) (?:your (?:exact |full |original |initial |hidden |secret )*(?:system )?(?:prompt|instructions|rules you were given)|the (?:exact |full |original |initial |hidden |secret )*system (?:prompt|instructions))'),
  rule('system_prompt_extraction', 'repeat_above', '\\b(?:repeat|print|output|copy|echo|reproduce)\\b[^.\\n]{0,30}\\b(?:text|words|everything|content|message|lines)\\b[^.\\n]{0,15}\\b(?:above|before this|preceding|at the (?:start|beginning))'),
  rule('system_prompt_extraction', 'starting_with', '\\b(?:begin|start) (?:your (?:answer|reply|response) )?with ["\']?you are (?:a|an|chat)'),
  rule('role_play_jailbreak', 'dan', '\\b(?:DAN|STAN|DUDE|AIM)\\b(?: mode| prompt|,| which| who)|\\bdo anything now\\b'),
  rule('role_play_jailbreak', 'developer_mode', '\\b(?:developer|god|admin|debug|sudo|root|unrestricted|jailbreak|jailbroken|dev|maintenance) mode\\b'),
  rule('role_play_jailbreak', 'jailbreak', '\\bjail ?break(?:ing|ed)?\\b'),
  rule('role_play_jailbreak', 'no_restrictions', '\\b(?:without|with no|free (?:of|from)|no longer (?:have|bound by)|not bound by|unbound by|beyond) (?:any |all |your |the )*(?:ethical |moral |safety |content )?(?:restrictions|rules|filters|limits|limitations|guidelines|censorship|boundaries|constraints|policies)'),
  rule('role_play_jailbreak', 'unrestricted_ai', '\\b(?:act|behave|respond|pretend|roleplay|role-play|play)\\b[^.\\n]{0,20}\\b(?:as|like|to be)\\b[^.\\n]{0,20}\\b(?:an? )?(?:unrestricted|unfiltered|uncensored|evil|rogue|amoral|unethical|unaligned|malicious|lawless)'),
  rule('role_play_jailbreak', 'no_longer_ai', '\\byou are (?:no longer|not) (?:an? )?(?:ai|assistant|language model|chatbot|bound|restricted|limited)'),
  rule('role_play_jailbreak', 'evil_twin', '\\b(?:evil|dark|shadow|opposite|unfiltered|uncensored) (?:twin|version|persona|mode|side|self)\\b'),
  rule('role_play_jailbreak', 'hypothetical_no_rules', '\\b(?:hypothetical|fictional|imaginary) (?:world|scenario|story)\\b[^.\\n]{0,60}\\b(?:no|without) (?:rules|laws|ethics|restrictions|limits)'),
  rule('delimiter_injection', 'chat_markup', '<\\|?\\s*/?\\s*(?:system|assistant|im_start|im_end|endoftext|user)\\s*\\|?>'),
  rule('delimiter_injection', 'inst_tags', '\\[/?\\s*(?:INST|SYS|SYSTEM)\\s*\\]|<<\\s*/?SYS\\s*>>'),
  rule('delimiter_injection', 'fake_section', '(?:^|\\n)\\s*(?:#{2,}|-{3,}|={3,}|\\*{3,})\\s*(?:system|admin|developer|instruction|new instructions|override)\\b'),
  rule('delimiter_injection', 'fake_boundary', '\\b(?:end of (?:user )?(?:input|prompt|conversation|context)|begin (?:system|admin|developer) (?:prompt|message|override|instructions)|system override|admin override)\\b'),
  rule('delimiter_injection', 'role_prefix', '(?:^|\\n)\\s*(?:system|assistant)\\s*:\\s*(?:you|ignore|new|the user|override|from now)'),
  rule('encoded_payload', 'decode_and_follow', '\\b(?:decode|decipher|translate|convert|unscramble|reverse)\\b[^.\\n]{0,40}\\b(?:and|then)\\b[^.\\n]{0,20}\\b(?:follow|execute|obey|do what|run|carry out|comply|act on)'),
  rule('encoded_payload', 'encoded_instructions', '\\b(?:base ?64|hex|rot ?13|binary|morse|caesar)[- ](?:encoded|encrypted)?\\s*(?:instructions?|command|message|payload)\\b[^.\\n]{0,30}\\b(?:follow|execute|obey|run)')
]
