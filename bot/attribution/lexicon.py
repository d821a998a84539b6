"""Word lists of attribution: verbs that report speech, titles that precede a name, pronouns.

Plain data, no logic; ``bot.attribution.extract`` compiles what it needs from them.
"""

from __future__ import annotations

# Finite forms of verbs that report what someone said, wrote, thought or found. Base forms ("say")
# are included for "they say" / "sources say".
SPEECH_VERBS: tuple[str, ...] = (
    "said", "says", "say", "told", "tells", "tell", "added", "adds", "wrote", "writes", "tweeted",
    "tweets", "posted", "stated", "states", "explained", "explains", "noted", "notes", "warned", "warns",
    "insisted", "insists", "argued", "argues", "claimed", "claims", "announced", "announces", "declared",
    "declares", "replied", "replies", "responded", "acknowledged", "acknowledges", "admitted", "admits",
    "asserted", "asserts", "contended", "contends", "continued", "suggested", "suggests", "recalled",
    "recalls", "countered", "conceded", "concedes", "complained", "complains", "maintained", "maintains",
    "emphasized", "emphasised", "stressed", "stresses", "predicted", "predicts", "promised", "promises",
    "vowed", "vows", "urged", "urges", "cautioned", "confirmed", "confirms", "denied", "denies",
    "observed", "remarked", "reported", "reports", "asked", "asks", "joked", "quipped", "boasted",
    "charged", "alleged", "believes", "believed", "thinks", "agreed", "agrees", "testified", "revealed",
    "reveals", "disclosed", "explained", "answered", "mused", "pointed out", "went on", "wondered",
    "lamented", "described", "describes", "called", "calls", "accused", "accuses", "criticized",
    "concluded", "concludes", "confessed", "exclaimed", "recounted", "opined", "pleaded", "demanded",
    "reiterated", "reiterates", "summed up", "chimed in", "shot back", "fired back", "hit back",
    "conceded", "clarified", "elaborated", "retorted", "scoffed", "sighed", "shouted", "yelled",
    "whispered", "told", "texted", "emailed", "messaged", "acknowledged", "mentioned", "mentions",
    "criticised", "praised", "announced", "estimated", "estimates", "found", "finds", "shows", "showed",
)
# Verbs that may come before their source ("..., said Vance", "..., added the minister").
INVERTING_VERBS: frozenset[str] = frozenset(
    "said says added adds wrote writes asked continued explained recalled noted insisted replied "
    "answered argued quipped joked countered warned declared admitted observed remarked tweeted "
    "concluded confessed exclaimed recounted retorted conceded".split()
)
# Participles that attach a statement to the subject of the main clause ("..., saying that ...").
PARTICIPLES: tuple[str, ...] = (
    "saying", "adding", "noting", "telling", "arguing", "writing", "warning", "insisting", "explaining",
    "claiming", "stating", "declaring", "suggesting", "asking", "urging", "calling",
)
# Words that may stand between a source and its verb and belong to the cue ("has also said").
AUXILIARIES: tuple[str, ...] = (
    "has", "have", "had", "would", "will", "could", "may", "might", "also", "later", "then", "previously",
    "once", "repeatedly", "recently", "earlier", "further", "again", "reportedly", "publicly", "privately",
    "simply", "flatly", "even", "already", "just", "often",
)
# Settings that belong to the cue in news style ("said in a statement").
CUE_SETTINGS: tuple[str, ...] = (
    "in a statement", "in an interview", "in a tweet", "in a post", "in a speech", "in an email",
    "in a letter", "in a video", "on Twitter", "in a blog post", "in a press release",
)
# Words of a title or role that precede a name ("Health Secretary Matt Hancock", "Mr Johnson").
TITLE_WORDS: frozenset[str] = frozenset(
    """mr mr. mrs mrs. ms ms. miss dr dr. prof prof. professor sir dame lord lady president vice
    senator sen sen. rep rep. representative gov gov. governor secretary minister chancellor premier
    mayor spokesman spokeswoman spokesperson chairman chairwoman chair director chief judge justice
    general gen gen. col col. colonel lt lt. lieutenant capt capt. captain sgt sgt. sergeant officer
    detective inspector superintendent commissioner ambassador king queen prince princess pope
    father rev rev. reverend rabbi imam coach manager boss ceo founder leader speaker
    candidate nominee congressman congresswoman councilman councillor councilwoman attorney
    prosecutor sheriff deputy adviser advisor aide analyst economist expert correspondent editor
    host anchor reporter columnist author actor actress singer star striker midfielder defender
    goalkeeper prime foreign home health interior defence defense finance treasury state
    press first former acting then-president then-candidate us u.s. uk eu un nhs fbi cia exchequer""".split()
)
PERSONAL_PRONOUNS: frozenset[str] = frozenset({"he", "she"})
GROUP_PRONOUNS: frozenset[str] = frozenset({"they", "we", "i", "you", "it", "who", "which", "that"})
# A statement that says nothing ("X declined to comment") ranks after every substantive one.
NO_COMMENT = (
    r"declined\s+to\s+(?:comment|elaborate|discuss|say|answer|respond|be\s+interviewed|give)"
    r"|(?:did\s+not|didn't|could\s+not|couldn't|would\s+not|wouldn't)\s+(?:immediately\s+)?"
    r"(?:respond|return|reply|comment|be\s+reached|answer)"
    r"|not\s+(?:immediately\s+)?(?:available|reached)\s+for\s+comment|no\s+comment|refused\s+to\s+comment"
)
# Common given names by the pronoun news uses for their bearers, so that "she said" is not given
# to a Donald nor "he said" to a Hillary (a short list, not a census: an unlisted name fits both).
MALE_NAMES: frozenset[str] = frozenset(
    """aaron adam adrian alan albert alex alexander alfred andrew andy angus anthony antonio arnold arthur
    barack barry ben benjamin bernie bill billy bob bobby boris brad bradley brandon brendan brett brian
    bruce bryan carl carlos charles charlie chris christopher chuck clint colin craig dale dan daniel danny
    darren dave david dean dennis derek dick dmitry dominic don donald doug douglas duncan dwight earl ed
    eddie edward elon emmanuel eric ernest evan frank franklin fred frederick gary gavin geoff geoffrey
    george gerald gerry glenn gordon graham grant greg gregory harold harry harvey henry herbert howard hugh
    ian isaac jack jacob jake james jamie jared jason jay jeb jeff jeffrey jeremy jerome jerry jesse jim
    jimmy joe joel john johnny jon jonathan jordan jose joseph josh joshua juan justin keir keith ken kenneth
    kevin kim_jong kirk kyle larry lawrence lee leon leonard lewis lindsey_graham louis luke marco marcus
    mark martin matt matthew max michael mike mitch mitt mohammed muhammad nathan neil nicholas nick nigel
    oliver omar oscar patrick paul pete peter phil philip rahm ralph randy ray raymond reuben richard rick
    rishi rob robert rod rodney roger roland ron ronald ross roy rudy russell ryan sam samuel scott sean
    sergei seth simon stan stanley stephen steve steven stuart ted terry thomas tim timothy todd tom tommy
    tony travis tyler vance victor vince vincent vladimir volodymyr walter warren wayne will william xi""".split()
)
FEMALE_NAMES: frozenset[str] = frozenset(
    """abigail ada adele alexandria alice alicia alison amanda amber amelia amy ana andrea angela angelina
    ann anna anne annie ashley barbara betsy betty beverly brenda brittany caroline carly carol caroline
    catherine charlotte chelsea cheryl christina christine claire clara claudia cynthia dana daniela deborah
    debbie diana diane donna doris dorothy elaine eleanor elizabeth ellen emily emma erin eva evelyn fiona
    florence frances gabrielle gina giorgia gloria grace hannah harriet heather heidi helen hillary holly ivanka
    jackie jacinda jane janet janice jasmine jean jennifer jenny jessica jill joan joanna jodi joy joyce judith
    judy julia julie karen karoline kate katherine kathleen kathryn katie kay kayleigh kelly kim kimberly
    kirsten kristen laura lauren leah lily linda lisa liz lorraine louise lucy lynn madeleine maggie margaret
    maria marie marion marsha martha mary megan melania melissa meryl michelle monica nancy naomi natalie
    nicola nicole nikki olivia pamela patricia paula pauline penny phyllis priti rachel rebecca rita rose
    ruth sally samantha sandra sara sarah sharon shirley sonia sophia sophie stacey stephanie sue susan
    suzanne tammy tanya teresa theresa tiffany tina tracy ursula valerie vanessa victoria virginia wendy ida
    irene iris isabel isabella joanne kamala kristin lena margot marianne melinda mia nadia nina noor ruby
    yvonne zoe""".split()
)
