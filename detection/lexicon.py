"""Word lists and patterns behind the detectors, in one place so they can be reviewed and tuned.

All patterns are compiled case-insensitive and run on the raw message (see `signals`), except
the capitals check, which needs the case. Lists are deliberately short and explicit: every entry
should be a word a reviewer can justify, and `python -m detection.evaluate` shows what each
change does to the figures.

Weights used by `frustration`: 1 = moderate (one makes the conversation "rising"), 2 = strong
(one is enough for "high").
"""

from __future__ import annotations

import re


def _words(*alternatives: str) -> str:
    """Joins regex alternatives into one group that must start and end at word edges."""
    # Lookarounds rather than \b, so alternatives may end in punctuation ("seriously?").
    return r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)"


def _compile(*alternatives: str) -> re.Pattern[str]:
    return re.compile(_words(*alternatives), re.IGNORECASE)


# Swearing, including the usual masked spellings (f***, f*ck, sh!t). The masking characters are
# not word characters, so these alternatives end with a lookahead instead of \b.
SWEARING = re.compile(
    r"(?<![\w*])(?:"
    r"f[u*@#]?[c*@#]?k(?:ing|in|ed|er|ers)?|f+[*]+(?:ing|in|ed)?|fck(?:ing)?|fcking|fkn|fecking|effing"
    r"|motherf\w*|sh[i!1*]t(?:ty|s|e)?|bullsh[i!1*]t|crap(?:py)?|damn(?:ed|it)?|goddamn\w*|dammit"
    r"|bloody|bollocks|arse|ass|piss(?:ed)?|hell|wtf|ffs|omfg|jfc|bs"
    r")(?![\w*])",
    re.IGNORECASE,
)

# Complaints about the service or the situation; (pattern, weight, label for the reason).
# Problem reports ("my code doesn't work", "is this email a scam?") are not complaints: the
# entries need a judgement of the service or an emotion.
COMPLAINTS: tuple[tuple[re.Pattern[str], int, str], ...] = (
    (
        _compile(
            r"useless", r"ridiculous", r"pathetic", r"rubbish", r"garbage", r"hopeless",
            r"unacceptable", r"terrible", r"awful", r"horrible", r"appalling", r"incompetent",
            r"frustrat\w*", r"annoy\w*", r"angry", r"upset", r"disappoint\w*", r"unhappy",
            r"not happy", r"dissatisfied", r"unsatisfied", r"nonsense", r"makes? no sense",
            r"(?:this|that|it)(?: is|'s| was)? (?:a|such a|an absolute) joke", r"what a joke",
            r"joke of a \w+", r"waste of (?:my )?time", r"wasting my time",
            r"(?:not|isn'?t|aren'?t) (?:very |at all )?help(?:ful|ing)", r"unhelpful",
            r"(?:does ?n[o']?t|doesnt|never) help", r"never works?", r"still (?:not|no|waiting|nothing)",
            r"(?:you|u) (?:do ?n[o']?t|dont|never) (?:understand|listen|get it)",
            r"(?:ca ?n[o']?t|cannot|cant) understand (?:you|ya|u)",
            r"seriously\?+", r"are you (?:kidding|serious|joking)", r"come on(?=\s*[,.!?]|\s*$)",
            r"again\?+", r"i (?:already|just) (?:told|said|asked|explained)", r"how many times",
            r"for the last time", r"(?:this is|it'?s|what a|such a)(?: a| an| total| complete)? scam",
            r"scam(?:mers?|ming)",
            r"rip[- ]?off", r"(?:you(?:'re| are)|bunch of) (?:\w+ )?(?:thieves|crooks|liars)", r"thieving",
            r"(?:you(?:'re| are)|stop) lying",
        ),
        1,
        "complaint",
    ),
    (
        _compile(
            r"fed up", r"sick (?:and tired )?of", r"(?:i'?ve|i have|i) had enough", r"had enough of",
            r"enough is enough", r"furious", r"livid", r"disgust\w*", r"outrage\w*",
            r"worst \w+(?: \w+)? ever", r"never again",
            r"absolutely (?:useless|ridiculous|unacceptable|disgusting|pathetic)",
        ),
        2,
        "strong complaint",
    ),
)

# Happy messages shout too ("THANK YOU!!!"): their tone is not counted.
POSITIVE = _compile(
    r"thanks?", r"thank you", r"thx", r"great", r"awesome", r"brilliant", r"perfect",
    r"amazing", r"excellent", r"wonderful", r"love (?:it|you|this)", r"yay", r"congrat\w*",
)

# Repeated punctuation: "!!!", "???", and any mix of "?" and "!" ("?!", "!!?").
REPEATED_PUNCTUATION = re.compile(r"!{3,}|\?{3,}|[!?]*(?:\?!|!\?)[!?]*")

# Capitals: words of this many letters or more written in capitals count towards shouting...
SHOUT_MIN_LETTERS = 2
# ...when there are at least this many of them, or at least half of a message of 2+ words.
SHOUT_MIN_WORDS = 3
# Acronyms and codes that are written in capitals without shouting.
ACRONYMS = frozenset(
    "OK PIN ID ETA FAQ VAT UK US USA EU PDF SMS URL IBAN BIC TV PC IT HR ATM CEO API "
    "DHL UPS FEDEX USPS TNT GPS AM PM UTC GMT EUR USD GBP NHS IOS PS SIM DM PO".split()
)

# Insults aimed at the agent or the company, slurs, and threats: the "abusive" flag. Swearing
# about the situation ("this is f***ing ridiculous") is frustration, not abuse; what makes abuse
# is a target ("you ...") or a word that is an insult whatever the context.
_INSULT_NOUNS = (
    r"idiots?", r"morons?", r"imbeciles?", r"cretins?", r"retards?", r"bastards?",
    r"bitch(?:es)?", r"assholes?", r"arseholes?", r"dickheads?", r"pricks?", r"twats?",
    r"cunts?", r"wankers?", r"scumbags?", r"douchebags?",
)
# Words that are insults only when aimed at someone ("you clown", not "a clown costume").
_DIRECTED_INSULTS = (
    r"stupid", r"dumb", r"thick", r"brain ?dead", r"retarded", r"worthless", r"clowns?",
    r"muppets?", r"losers?", r"scum", r"dicks?", r"piece of (?:shit|crap|garbage|trash)",
    r"waste of (?:space|oxygen)",
)
_YOU = r"\b(?:you|u|ya|your (?:staff|agents?|people|team))"
_YOU_ARE = r"\b(?:you(?:'re| are| r)|ur|u r|youre|your (?:staff|agents?|people|team) (?:is|are))"
ABUSE = re.compile(
    "|".join(
        (
            # "you are a (f***ing) idiot", "you're so stupid", "ur a moron"
            _YOU_ARE + r" (?:a |an |such an? |so |the |just an? |all )?(?:\S+ ){0,2}"
            + _words(*_INSULT_NOUNS, *_DIRECTED_INSULTS),
            # "you idiot", "you stupid bot", "you f***ing morons"
            _YOU + r" (?:\S+ )?" + _words(*_INSULT_NOUNS, *_DIRECTED_INSULTS),
            # these nouns are aimed at whoever reads them: "idiots!", "morons."
            _words(*_INSULT_NOUNS),
            # directed swearing
            r"\b(?:f[u*]?[c*]?k|f\*+|screw|damn|sod) (?:you|u|ya|off)\b", r"\bstfu\b",
            r"\bshut (?:the \S+ )?up\b", r"\bgo to hell\b", r"\bgo (?:and )?(?:die|f\S* yourself)\b",
            r"\bkys\b", r"\bkill yourself\b",
            # threats of violence or harassment
            r"\bi(?:'ll| will| am going to|'m going to|'m gonna| gonna) (?:\S+ )?"
            r"(?:kill|hurt|beat|punch|smash|stab|shoot|come for) (?:you|u|ya|your staff)\b",
            r"\bi know where (?:you|u) (?:live|work)\b", r"\byou(?:'ll| will) (?:pay for this|regret (?:this|it))\b",
            r"\b(?:burn|blow up|bomb) (?:down )?(?:your|the) (?:office|shop|store|building)\b",
        )
    ),
    re.IGNORECASE,
)

# Threats of legal or regulatory action: the "legal" flag.
_AUTHORITIES = (
    r"trading standards", r"(?:the )?ombudsman", r"(?:the )?police", r"(?:the )?regulator",
    r"(?:the )?authorities", r"(?:a |the )?consumer (?:protection|watchdog|rights \w+)",
    r"(?:the )?better business bureau", r"(?:the )?bbb", r"(?:the )?ftc", r"citizens advice",
)
LEGAL = _compile(
    # "sue" only as a threat: "sue" alone is also a typo of "use".
    r"(?:will|'ll|gonna|going to|to|and) sue", r"sue (?:you|u|ya|your|the company|them|this company)",
    r"suing", r"lawsuit", r"legal (?:action|proceedings|case|steps|advice)", r"my legal team",
    r"take (?:you|u|this|it|your company) to (?:small claims )?court", r"small[- ]claims",
    r"see you in court", r"court case", r"class action",
    r"lawyers?", r"solicitors?", r"(?<!power of )attorneys?",
    r"(?:report|reporting) (?:you|u|this|it|your company|this company) to " + _words(*_AUTHORITIES),
    # Naming these is already a threat: "I'm going to trading standards".
    r"trading standards", r"ombudsman",
)

# Request for a person. A request is a request verb followed, with only filler words between,
# by a word for a person: "let me talk to a human", "transfer me to an agent", "need to contact
# somebody", "a customer service representative". Short messages made only of such words
# ("agent please", "real person", "human!!") count too. "customer service/support" alone is
# left out on purpose: in the bitext tuning data it mostly asks for contact details or opening
# hours; Rasa's request_human intent covers the phrasings that do mean a person.
HUMAN_NOUNS = frozenset(
    "human humans person people agent agents operator operators representative rep reps "
    "someone somebody staff manager supervisor advisor adviser assistant colleague "
    "employee consultant".split()
)
HUMAN_VERBS = frozenset(
    "talk talking speak speaking chat chatting contact contacting reach reaching call calling "
    "transfer transferring connect connecting escalate escalating ring phone want need get "
    "give find hand".split()
)
# Words that may stand between a verb and the noun ("talk to a real live human agent").
HUMAN_FILLERS = frozenset(
    "to with me us a an the some this it real live actual proper human your ur directly please "
    "pls now over through senior customer service support care team".split()
)
# A request verb followed by a person noun at most this many words later.
HUMAN_MAX_GAP = 6
# Messages of at most this many words, made only of fillers, verbs, politeness and at least one
# person noun, are requests on their own.
HUMAN_SHORT_MAX_WORDS = 5
HUMAN_SHORT_EXTRAS = frozenset("i plz can could may let".split())
# Phrases that ask for a person without the verb-then-noun shape.
HUMAN_PHRASES = _compile(
    r"put me through", r"transfer me", r"(?:call|ring) me back", r"callback",
    r"(?:not|no|don'?t want|do not want) (?:a |the |this |to talk to (?:a |the )?)?(?:bot|robot|machine)",
    r"member of (?:staff|your team)", r"someone real", r"any(?:one|body) there",
    r"(?:real|live|actual) (?:person|human|agent)",
    r"(?:is|are) there (?:a |an |any )?(?:real |live )?(?:humans?|person|people|agents?|one)",
    # "can someone from your team call me?"
    r"(?:some|any)(?:one|body)(?: \S+){0,4} (?:call|contact|ring|phone) (?:me|us)",
    r"(?:a |an )(?:real |live )?(?:person|human|agent)(?: \S+){0,3} (?:call|contact|ring|phone) (?:me|us)",
)
# Not a request although it names a person: negations ("I don't need an agent") and questions
# about the bot ("am I talking to a real person?", "a human or a bot?"). Checked first.
HUMAN_NOT_REQUEST = _compile(
    r"(?:do ?n[o']?t|dont|never|no) (?:want|need|wish)(?: to (?:talk|speak|chat))?(?: to| with| for)?"
    r" (?:a |an |the |any )?(?:humans?|person|people|agents?|someone|somebody|operator)",
    r"no need (?:for|to talk to|to speak to) (?:a |an |the |any )?(?:humans?|person|agents?|someone)",
    r"(?:am i|are we) (?:talking|chatting|speaking|writing) (?:to|with)",
    r"(?:are you|is this|is that) (?:a |an )?(?:real |live |actual )?(?:human|person|bot|robot)",
    r"(?:humans?|person|someone(?: real)?) (?:typing|reading|writing|behind)", r"or an? (?:bot|robot|machine)",
)
# Phrases where a person noun does not mean a person to talk to.
HUMAN_NOUN_BLOCKERS = _compile(r"in person", r"someone (?:else|stole|has|used|hacked)")
# Typos: a word one edit away from a verb or noun of at least this many letters matches it
# ("hyman" -> human, "chtting" -> chatting); fillers are shorter ("wiht", "wit" -> with).
# Shorter words only match with two letters swapped ("tlak"): one edit from "chat" or "call"
# is too often another word ("that", "all").
FUZZY_MIN_LETTERS = 5
FUZZY_MIN_FILLER_LETTERS = 4

# The customer says they have asked before ("third time I'm asking", "I already told you", "still
# no reply"): a repeat contact, whether or not an earlier one is on record. Only words about
# contacting us count, so "can I order again?" and "is it still in stock?" do not.
_CONTACTED = (
    r"ask(?:ed|ing)?", r"tell(?:ing)?", r"told", r"contact(?:ed|ing)?", r"wr(?:ote|itten|iting)",
    r"messag(?:ed|ing)", r"e-?mail(?:ed|ing)", r"call(?:ed|ing)", r"rang", r"phon(?:ed|ing)",
    r"chat(?:ted|ting)", r"explain(?:ed|ing)?", r"report(?:ed|ing)", r"rais(?:ed|ing)", r"complain(?:ed|ing)",
    r"reached out", r"reaching out", r"spoken?", r"speaking", r"talk(?:ed|ing)",
)
# Past forms only where the customer tells what they did: "how do I contact you again?" asks.
_CONTACTED_PAST = (
    r"asked", r"told", r"contacted", r"wrote", r"written", r"messaged", r"e-?mailed", r"called", r"rang",
    r"phoned", r"chatted", r"explained", r"reported", r"raised", r"complained", r"reached out", r"spoken?",
    r"talked",
)
_GAP = r"(?:[\s,]+\S+){0,4}?[\s,]+"  # up to four words in between
_I = r"\b(?:i|we)(?:'ve|'d| have| had)?(?: (?:already|just|also|even|literally|now))?"
_ORDINAL = r"(?:second|third|fourth|fifth|sixth|tenth|umpteenth|nth|2nd|3rd|4th|5th|\d+th)"
_BEFORE = (
    r"already", r"again", r"twice", r"(?:two|three|four|five|several|multiple|many|numerous|so many|\d+) times",
    r"yesterday", r"earlier", r"last (?:week|month|time)", r"(?:a few|a couple of|two|three|\d+) (?:days|weeks) ago",
    r"before(?=\s*(?:[,.!?;:)]|$|and\b|but\b|so\b|too\b|now\b))", r"again and again", r"over and over",
    r"time and (?:time )?again", r"repeatedly", r"countless times",
)
_ASKED_BEFORE_PHRASES = (
        # "the third time I'm asking", "3rd time contacting you", "for the fourth time: where is it?"
        r"\b" + _ORDINAL + r" time" + _GAP + _words(*_CONTACTED), r"\bfor the " + _ORDINAL + r" time\b",
        # "I've asked this already", "I already told you", "we called twice", "I emailed yesterday"
        _I + " " + _words(*_CONTACTED_PAST) + r"(?:" + _GAP + r"|[\s,]+)" + _words(*_BEFORE),
        _I + r" already " + _words(*_CONTACTED_PAST),
        # "I'm asking again", "I've been chasing this for weeks", "I have been trying to reach you"
        r"\b(?:i'?m|i am|we'?re|we are) " + _words(*_CONTACTED) + r"(?:" + _GAP + r"|[\s,]+)again\b",
        r"\b(?:i'?ve|i have|we'?ve|we have) been (?:" + "|".join(_CONTACTED)
        + r"|chasing|trying to (?:reach|contact|get through|get hold of|get an answer))\b",
        # "still waiting for a reply", "still no answer", "still haven't heard back", "still not resolved"
        r"\bstill (?:waiting|no|not|nothing|haven'?t|have not|hasn'?t|has not|don'?t|do not|didn'?t|did not)"
        r"(?:[\s,]+\S+){0,3}?[\s,]+(?:answers?|repl(?:y|ies)|responses?|call ?backs?|word|heard|got back"
        r"|resolved|sorted(?: out)?|fixed|solved|dealt with)\b",
        # "nobody got back to me", "never heard back", "no one replied to my e-mail"
        r"\b(?:never|haven'?t|have not|didn'?t|did not|no ?one|no-one|nobody)(?:[\s,]+\S+){0,2}?[\s,]+"
        r"(?:heard back|got back to (?:me|us)|(?:replied|responded) to (?:me|us|my)|answered (?:me|us|my)"
        r"|(?:called|rang|phoned) (?:me |us )?back)\b",
        # "how many times do I have to ask", "the same question again", "sorry to bother you again"
        r"\bhow many times (?:do|must|should|have|did|will|am) (?:i|we)\b",
        r"\b(?:ask(?:ed|ing)?|answer(?:ed|ing)?) (?:you )?the same (?:question|thing)\b",
        r"\b(?:bother(?:ing)?|trouble|disturb(?:ing)?) you again\b",
        # "my last e-mail", "my previous ticket", "last time I asked you said..."
        r"\b(?:my|our) (?:previous|last|earlier|other|first) (?:ticket|case|complaint|message|e-?mail|chat|call"
        r"|request|enquiry|inquiry|query)\b",
        r"\b(?:last|previous|the other) time (?:i|we) " + _words(*_CONTACTED_PAST),
)
ASKED_BEFORE = re.compile("|".join(_ASKED_BEFORE_PHRASES), re.IGNORECASE)
# Every phrase above contains one of these (lower case): a message without any is not searched,
# which keeps the long pattern off most messages.
ASKED_BEFORE_HINTS = (
    "time", "again", "already", "twice", "yesterday", "earlier", "before", "ago", "over and over", "been",
    "still", "back", "replied", "responded", "answered", "how many", "same", "previous", "last", "other", "first",
)

# Stopwords dropped before comparing two customer messages for a repeated question.
STOPWORDS = frozenset(
    "a an the i me my you your u ur to of in on for and or is are was be it this that can "
    "could would will do does did how what where when why please pls hi hello hey ok so just "
    "again still i'm im it's its have has with at from".split()
)
