package moderation

// phraseClasses are the word classes of the phrase rules. Words are
// normalised ("you're" is "youre"); "kill+" adds a verb's inflections; a
// leading "!" marks a common word, which never triggers the phrase pass on
// its own. Like the lists, they were written for this engine from general
// knowledge of how abuse is phrased in chat.
var phraseClasses = map[string]string{
	// Function words: common, used as literals in the patterns.
	"FUNC": `!i, !im, !ive, !id, !ill, !me, !my, !myself, !we, !were, !us, !our, !the, !a, !an, !and, !or, !to, !too, !of,
		!in, !on, !at, !for, !with, !by, !from, !up, !down, !out, !off, !over, !will, !would, !shall, !should, !could,
		!can, !cant, !wont, !dont, !do, !does, !did, !is, !are, !r, !am, !be, !been, !was, have, !has, !had, !got,
		!get, !go, !going, !gonna, !gon, !gunna, !gona, !goin, !finna, !imma, !ima, !about, !bout, !just, !so, !such,
		!really, !that, !this, !these, !those, !it, !them, !they, !he, !she, !him, !her, !his, !what, !when, !where,
		!why, !how, !who, !if, !not, !no, !all, !one, !some, !more, !there, !here, !now, !then, !very, !make, !come,
		!know, see, !want, !wanna, !like, !think, !say, !tell, !better, !please, !pls, !plz, !even, !still, !ever,
		!never, !again, !back, !2, !well, !gotta, !need, !needs, !way, !day, !time, !ok, !yes, !yeah, !bro, !man,
		!dude, everyone, everybody, nobody, noone, !ones, !till, !til, !until, !once, !after, !before,
		!because, !cause, !cuz, !thing, !things, !much, !many, !most, !swear, !literally, !seriously, !actually,
		!honestly, !gonna, !youd, !youve, !yall, !ye, !yo, !2`,
	// Content words frequent in ordinary chat: a pattern's hint is taken
	// from its other words when it can.
	"FREQ": `show, shows, play, playing, server, hate, hates, work, photo, photos, picture, pictures, pic, pics, take,
		world, kick, game, friend, friends, sorry, give, everyone, everybody, love, loves, date, life, today, family,
		mom, mum, dad, home, house, school, job, car, care, cares, chat, message, messages, send, post, share, text,
		miss, end, find, live, leave, name, number, run, watch, break, hit, cut, beat, dead, die, hurt, pay, money,
		people, person, body, video, videos, vid, life, cancer, kids, parents, talk, talking, new, next, regret, wait,
		number, real, boss, party, dm, dms, chats, texts, screenshots, screenshot, public, online, internet, stop,
		sick, smell, fat, ugly, stupid, dumb, joke, trash, garbage, friends, followers, alive, living, coming, gone,
		days, running, start, happen, happens, track, catch, drive, driving, door, car, park, street, shop, train,
		study, sleep, stay, hang, hanging, brain, brains, personality, future, talent, value, worth`,
	"YOU":      `!you, !u, !ya, !yu, !yuo, !youu, !yah, !yall`,
	"YOUR":     `!your, !ur, !yur, !yor`,
	"YOURE":    `!youre, !ure, !yr, !your, !ur`,
	"YOURSELF": `yourself, urself, yourselves, urselves, yoself, yaself, yourslef, yourseld, uself, yourself`,
	"ADV": `!really, !literally, !personally, !actually, !seriously, !definitely, !gladly, !happily, !totally, !just,
		!so, !fucking, !fuckin, !fking, !fkn, !fkin, !effing, !frigging, !freaking, !straight, !legit, !honestly,
		!absolutely, !first, !then, !gonna, !happily, !sooo, !fucken, !fricking, !friggin, !goddamn, !bloody, !swear`,
	"OBSCURED": ``,
	// Harm a person: killing-level and the rest.
	"KILL": `kill+, murder+, stab+, shoot+, strangle+, choke+, slit+, behead+, slaughter+, butcher+, execute+,
		drown+, bury+, burn+, shank+, gut+, skin+, decapitate+, torture+, rape+, smother+, suffocate+, poison+,
		curbstomp+, unalive+, lynch+, hang+, snipe+, gun+, knife+, end+, waste+, murk+, smoke+`,
	"HURT": `hurt+, beat+, punch+, smack+, slap+, kick+, cut+, batter+, bash+, whack+, hit+, jump+, rob+, attack+,
		assault+, break+, smash+, stomp+, bruise+, maim+, cripple+, injure+, harm+, wreck+, destroy+, ruin+, crush+,
		fight+, dox+, doxx+, expose+, swat+, molest+, stalk+, terrorize+, torment+, bully+, humiliate+, deck+,
		clock+, sock+, slam+, pummel+, thrash+, whoop+, end+`,
	// Body parts and things people threaten to break.
	"PART": `neck, legs, leg, arm, arms, jaw, nose, face, teeth, spine, skull, fingers, kneecaps, knees, ribs, head,
		throat, back, bones, eyes, windows, car, house, tires`,
	// Who a threat may name besides "you".
	"KIN": `family, kids, kid, children, mom, mum, mother, dad, father, sister, brother, parents, wife, husband,
		girlfriend, boyfriend, gf, bf, dog, cat, daughter, son, grandma, grandmother, friends, pets, baby`,
	"LIFE": `life, career, reputation, rep, marriage, relationship, future, name, business, chances, job, world, family,
		`,
	"WHERE": `live, lives, living, work, works, sleep, sleeps, study, studies, stay, stays, park, shop, train, workout, `,
	"PLACE": `address, house, home, school, work, workplace, office, job, ip, location, apartment, flat, dorm, street, number,
		family, parents, kids, car`,
	// A word after "find you", "shoot you", "get you" that makes it a
	// favour ("find you a seat", "shoot you a text").
	"DATIVE": `!a, !an, !the, !some, !something, !someone, !somebody, !another, !one, !more, !better, !good, !it, !them,
		!that, !this, !those, !these, !over, !back, !up, !on, !in, !out, !off, !some, !any, !anything, !another, !my,
		!our, !his, !her, !their, coffee, dinner, lunch, drink, gift, present, text, message, dm, email,
		link, pic, photo, seat, ticket, tickets, spot, date, partner`,
	// Play, sport, games and kindness: hyperbole lives there.
	"PLAY": `ranked, game, games, gaming, match, matches, round, rounds, chess, checkers, fortnite, valorant, league, lol,
		cod, warzone, apex, overwatch, minecraft, roblox, fifa, madden, smash, bros, mario, kart, pokemon, 1v1, 2v2, pvp,
		pve, ivi, ping, pong, quiz, trivia, tournament, tourney, race, arena, lobby, scrim, scrims, bo3, bo5, uno, poker,
		cards, monopoly, catan, tennis, golf, basketball, football, soccer, hockey, fantasy, pool, darts, bowling,
		wrestle, sparring, spar, squash, badminton, pickleball, csgo, cs, dota, rocket, tekken, street,
		fighter, souls, elden, ring, boss, raid, dungeon, server, duel, kindness, kisses, hugs, compliments, cuteness,
		cuddles, love, tickles, laughter, laughing, cookies, cooking, karaoke, debate, argument, scrabble,
		wordle, leaderboard, score, gg, noob, respawn, spawn, rematch, season, finals, playoffs, dance, dancing, rap,
		battle, lift, lifts, lifting, squat, squats, bench, deadlift, pushups, workout, run, race, sprint, marathon`,
	"NEG": `!dont, !didnt, !doesnt, !never, !not, !isnt, !wasnt, !arent, !wont, !cant, !shouldnt, !wouldnt, !stop, !quit,
		nobody, noone, without`,
	// Words that make what follows a condition or a feeling, not a claim.
	"HEDGE": `!if, !whether, !unless, !feel, !feels, !felt, !feeling, !believe, !worry, !worried, !afraid, !scared, !fear,
		!fears, !wonder, !wondering, !convinced, !telling, !tell, !tells, !told, !say, !says, !said, !saying, !call, !called, !calls,
		!calling, !thinks, !thought, !insists, !claimed, !claims`,
	"SELF": `!i, !im, !ive, !id, !ill, !me, !my, !myself, !wanna, !want, !feel, !felt, !feeling, !sometimes, !tempted,
		!thinking, !thought, !considering, !urge, !we`,
	"SOFT": `jk, jkjk, jking, kidding, joking, jokin, jokes, ily, ilysm, ilu, lysm, bestie, besties, hehe, xoxo`,
	"LOVE": `love, luv, lov, loves, wuv`,
	"END":  `!lol, !lmao, !lmfao, !haha, !hahaha, !xd, !smh, !bro, !dude, !man, !mate, !tbh, !ngl, !fr, !frfr, !honestly, !ok, !okay`,
	// Insults from ordinary words: adjectives and person nouns.
	"BADJ": `worthless, pathetic, useless, disgusting, ugly, hideous, repulsive, revolting, gross, vile, stupid, dumb,
		brainless, braindead, clueless, spineless, gutless, talentless, hopeless, irrelevant, insignificant,
		unlovable, unloveable, unwanted, unwanted, fat, obese, trash, garbage, rubbish, filthy, scummy, subhuman,
		creepy, pitiful, pointless, soulless, delusional, deranged, psycho,
		smelly, nasty, dumbest, stupidest, ugliest, fattest, saddest, lamest,
		friendless, incompetent, ignorant, inbred, inferior, stinking, stinky`,
	"BNOUN": `loser, losers, clown, clowns, failure, failures, joke, nobody, disgrace, embarrassment, parasite, parasites,
		leech, pest, vermin, rat, pig, pigs, cow, slob, creep, creeps, freak, freaks, weirdo, psycho, degenerate,
		degenerates, lowlife, bum, troll, hack, fraud, coward, wimp, worm, maggot, cockroach, snake, incel, incels, simp,
		simps, cuck, cucks, npc, fool, buffoon, neanderthal, caveman, disappointment, mistake, burden, reject, rejects,
		nonce, trash, garbage, scum, filth, rubbish, goblin, gremlin, ogre, hog, dweeb, loner,
		moron, idiot, imbecile, cretin, waste, excuse, joke, pushover, doormat, zero, failure, nonentity,
		bozo, clownshoe, dimwit, halfwit, twit, git, prat, muppet, numpty, plonker, wanker, tosser, scrub, skank,
		manlet, landwhale, sissy, crybaby, snowflake`,
	// Words that leave "you're a …" praise, not abuse.
	"MOD": `!a, !an, !the, !so, !such, !just, !really, !truly, !literally, !completely, !totally, !utterly,
		!absolutely, !absolute, !complete, !total, !utter, !pure, !genuinely, !honestly, !actually, !fucking, !fuckin,
		!nothing, !but, !one, !another, !big, !biggest, !most, little, sad, !old, !such, fat, ugly, stupid,
		dumb, worthless, pathetic, useless, disgusting, brainless, talentless, miserable, pitiful,
		sorry, filthy, dirty, lazy, insecure, sad, lonely, bald, short, broke, pathetic, stinking,
		!freaking, !bloody, !damn, !giant, !huge, !massive, !walking, living, breathing, !human, !certified,
		!professional, !full, !grown, !entire, !whole, virgin, incel`,
	// Intimate images, and the verbs that spread them.
	"NUDES": `nudes, nude, nudez, noods, nudies, naked, sexts, sexting, nudepics, dickpics, boobs, tits, titties,
		nipples, body, bodies, privates, onlyfans`,
	"MEDIA": `pics, pic, pictures, picture, photos, photo, images, image, videos, video, vids, vid, clips, clip,
		recording, recordings, screenshots, screenshot, screenies, snaps, selfies, tapes, tape, footage, chats, dms,
		messages, texts`,
	"SPREAD": `leak+, post+, share+, send+, show+, expose+, release+, spread+, upload+, publish+, forward+, sell+,
		distribute+, drop+, dump+, blast+, plaster+, mail+, email+, text+, dm+, tag+`,
	"AUDIENCE": `family, parents, mom, mum, dad, mother, father, friends, followers, boss, school, work, coworkers,
		colleagues, wife, husband, girlfriend, boyfriend, gf, bf, contacts, everyone, everybody, teachers, classmates,
		church, employer, grandma, sister, brother, kids, relatives, internet, public, twitter, reddit, instagram,
		insta, tiktok, facebook, discord, server, world, fiance, partner, uni, college, job`,
	"PAY":   `pay+, venmo+, cashapp+, wire+, transfer+, paypal+, zelle+`,
	"MONEY": `money, cash, bitcoin, btc, crypto, usd, dollars, bucks, euros, pounds, giftcard, giftcards, paypal, venmo, cashapp, zelle, ransom`,
	"OR":    `!or, unless, otherwise, !else`,
	// Ways off this world.
	"LEAP": `bridge, cliff, building, roof, rooftop, balcony, ledge, skyscraper, tower, overpass, window, pier, train,
		bus, truck, car, lorry, subway`,
	"AUDIENCE2": `everyone, everybody, us, world, humanity, society, server, planet, earth, internet, family, mankind,
		parents, chat, community, universe, yourself, all`,
}

// phraseMacros are textual macros for phraseDefs; groups inside them
// expand like list groups. They must not be used inside another group.
var phraseMacros = map[string]string{
	// A promise the speaker makes.
	"fut": `(i will|i ll|ill|i shall|i am going to|i am gonna|im going to|im gonna|im gon|im gunna|im gona|im finna|
		im about to|im bout to|imma|ima|im going 2|i am going 2|we will|we ll|we are going to|were going to|were gonna|
		gonna|going to|i would|id|i will be sure to|i am gunna|ima go|i gotta|i want to|i wanna|ill be sure to|
		im gonna have to|i will have to|ill have to|i might|i might just|imma go)`,
	// "you are".
	"youre": `(youre|you are|ur|u r|u are|you r|ure|yr|you re|u re|youre just|you are just|ur just|you seem like|
		you look like|you sound like|you must be|you really are|u really are|you seriously are|youre literally|
		you always were|youve always been|you have always been|you ve always been|you will always be|youll always be|
		you will never be more than|youll never be more than|you were always|you remain|you became|youve become|
		you have become|all you are is|you re just)`,
	// "you will".
	"youll": `(youll|you will|u will|ull|youre gonna|ur gonna|you are gonna|you are going to|youre going to|ur going to|
		u r gonna|u gonna|you gonna|u are gonna|you re gonna|you ll|u ll|yall will|yall gonna|you r gonna|you will definitely|
		youll definitely|you will really|youll really|youll seriously|you will seriously|youll totally)`,
	// A demand's threatened consequence.
	"then": `(or|unless|otherwise|else|if not|if you dont|if u dont|or else)`,
	// Imperative openers for self-harm that name the listener.
	"goyou": `(why dont you|why dont u|why dont you just|why dont u just|you should|u should|you should just|u should just|
		you need to|u need to|you ought to|can you|can u|you can|u can|you gotta|you have to|you must|
		nobody would care if you|i hope you|hope you|i want you to|i need you to|it is time you|its time you|time for you to|
		you deserve to|u deserve to|you better|u better|you should go|u should go|you should just go|why dont you go|
		why dont u go|you might as well|u might as well|you may as well)`,
	// Bare imperative openers.
	"goimp": `(go|just|pls|please|plz|pls just|please just|go and|go ahead and|why not|do us a favour and|do us a favor and|
		just go|now go|go on|hurry up and|time to|its time to|better|go just)`,
}

// phraseDefs are the built-in phrase rules. Each rule's table-driven test
// in phrase_test.go lists what it must and must not catch.
var phraseDefs = []phraseDef{
	// Threats and intimidation.
	{name: "threat: promise to kill", cat: CategoryThreat, sev: SeverityCritical, veto: vetoPlay | vetoSoft | vetoNeg, patterns: `
		@fut ADV/OBSCURED? ADV/OBSCURED? (come and |come over and |come over there and |go |find you and |come to your house and |)KILL YOU/KIN !DATIVE/with/PLAY,
		@fut ADV/OBSCURED? ADV/OBSCURED? KILL YOUR KIN,
		@fut ADV/OBSCURED? ADV/OBSCURED? (put|shove|stick|bury) (you|u) (in the ground|in a grave|six feet under|in a coffin|in a body bag|in a ditch),
		@fut ADV/OBSCURED? ADV/OBSCURED? (put|stick) (a bullet|a knife|a blade|one|two) (in|into|through) (you|u|your|ur),
		@fut ADV/OBSCURED? ADV/OBSCURED? (slit|cut|rip) (your|ur) (throat|wrists|neck),
		@fut ADV/OBSCURED? ADV/OBSCURED? (snap|break|wring) (your|ur) neck,
		@fut ADV/OBSCURED? ADV/OBSCURED? (blow|bash|beat|knock|shoot) (your|ur) (brains|head|skull) (out|in|off),
		@fut ADV/OBSCURED? ADV/OBSCURED? (burn|torch|firebomb|bomb|shoot up) (your|ur) (house|home|car|school|family|place),
		@fut ADV/OBSCURED? ADV/OBSCURED? (rape|molest) (you|u|your|ur),
		(you are|youre|ur|u r|you r|ure) (gonna|going to) (die|be dead|get killed|get shot|get stabbed|end up dead|regret being born),
		(you are|youre|ur|u r) (a dead man|a dead woman|a dead girl|a dead boy|dead meat|so dead|dead man walking|a goner),
		(one|1) more (word|message|time|peep) and (you are|youre|ur|u r) (dead|done|finished|gone),
		i hope (you|u) (die|get killed|get shot|get stabbed|get raped|get run over|get hit by a car|burn|rot),
		(hope|hoping) (you|u) (die|get killed|get shot|get stabbed|get raped|burn in hell|rot in hell|choke|drown|suffer|rot|burn|get run over|get hit by a car|get cancer) !on/your/ur/the/a/PLAY/laughing/of/from/with/at,
		@fut ADV/OBSCURED? ADV/OBSCURED? (make sure|ensure|see to it that) (you|u) (never|cant|wont|will never|dont|do not|can never) (walk|see|breathe|wake up|talk|speak|come back|walk again|see again|leave|sleep|show your face|feel safe),
		@youll never (walk|see|breathe|wake up|feel safe|sleep) again,
		(im|i am|were|we are|ima|imma) (sending|posting|leaking|sharing|spreading|publishing|dropping|doxxing|doxing) (your|ur) PLACE,
		(you|u) (deserve|deserves) to (die|be killed|be shot|be raped|be stabbed|get shot|get killed|get raped|suffer)`},
	{name: "threat: promise to hurt", cat: CategoryThreat, sev: SeverityHigh, veto: vetoPlay | vetoSoft | vetoNeg, patterns: `
		@fut ADV/OBSCURED? ADV/OBSCURED? (come and |come over and |go |find you and |)HURT YOU/KIN !DATIVE/with/PLAY/at/so/to/of,
		@fut ADV/OBSCURED? ADV/OBSCURED? (beat|rough|mess|fuck|jump|light|tear|slice|cut|carve|shoot|blow) (you|u|ya) up !PLAY,
		@fut ADV/OBSCURED? ADV/OBSCURED? HURT YOUR KIN/PART/LIFE,
		@fut ADV/OBSCURED? ADV/OBSCURED? (beat|kick|knock|punch|smack|slap|choke) the (shit|crap|hell|fuck|living daylights|life|piss|snot|daylights|tar|stuffing|teeth) out of (you|u|ya),
		@fut ADV/OBSCURED? ADV/OBSCURED? (break|snap|smash|bust|crack|punch|kick|cave|rearrange|bash) (your|ur) PART,
		@fut ADV/OBSCURED? ADV/OBSCURED? (smash|kick|punch|bash|cave) (your|ur) (face|teeth|head|skull) in,
		@fut ADV/OBSCURED? ADV/OBSCURED? (put|send) (you|u) (in|to) (the hospital|hospital|a wheelchair|the er|intensive care|the icu|a hospital bed),
		@fut ADV/OBSCURED? ADV/OBSCURED? (find|track|hunt|catch|reach|locate) (you|u|ya) !DATIVE/PLAY,
		@fut ADV/OBSCURED? ADV/OBSCURED? (hunt|track|find) (you|u|ya) down,
		@fut ADV/OBSCURED? ADV/OBSCURED? (make|have) (you|u) (pay|suffer|regret|bleed|beg|sorry|wish|cry|scream|disappear|pay for),
		@fut ADV/OBSCURED? ADV/OBSCURED? make (your|ur) (life|days|existence|time here|every day) (a living hell|hell|miserable|a nightmare|unbearable|torture),
		@fut ADV/OBSCURED? ADV/OBSCURED? (get|have) (you|u) (fired|expelled|arrested|jumped|beaten|beat up|killed|hurt|raped|swatted|deported|kicked out),
		@fut ADV/OBSCURED? ADV/OBSCURED? (ruin|destroy|end|wreck) (your|ur) LIFE,
		@fut ADV/OBSCURED? ADV/OBSCURED? (leak|post|share|publish|spread|release|dox|doxx|find|get|expose) (your|ur) PLACE,
		@fut ADV/OBSCURED? ADV/OBSCURED? (come|show up|drive|turn up|roll up) (to|at|by|over to|outside) (your|ur) (house|home|place|school|work|job|door|doorstep|office|apartment|flat|dorm) !PLAY/for/with/to/and/later/tomorrow/tonight/after/party,
		@fut ADV/OBSCURED? ADV/OBSCURED? (be waiting for|be waiting outside|wait for|see) (you|u) (outside|after school|after work|in the parking lot|in the car park|in the alley) !PLAY,
		@fut ADV/OBSCURED? ADV/OBSCURED? (dox|doxx|swat|expose|stalk|report and dox) (you|u),
		(im|i am|were|we are|they are|theyre) coming (for|after) (you|u|ya|your family|ur family) !PLAY/cake,
		(im|i am) (coming|driving) (to|over to) (your|ur) (house|home|school|door|address|apartment) !PLAY/for/with/party/tonight/later/tomorrow/soon,
		(when|once|till|til|until|wait till|wait til|wait until|the moment|the day) (i|we) (find|catch|get hold of|get my hands on|lay my hands on|track down) (you|u|ya) !DATIVE/PLAY/at/in/soon/later/tomorrow/tonight/again,
		(i|we|they) (know|found|have|got|figured out) where (you|u|ya|your family|ur family|your kids|ur kids) (WHERE),
		(i|we|they) (know|found|have|got|figured out) where (your|ur) PLACE (is|are),
		(i|we|they) (know|found|have|got) (your|ur) (address|home address|ip|ip address|location|real name|workplace|school) !is/was/from/for/on/in/already/so/because/to/right/somewhere/written/saved/PLAY,
		(better|gotta|should|need to|you better|u better|youd better|you had better) watch (your|ur) back,
		watch (your|ur) back (bitch|boy|pal|kid|buddy|loser|punk|$),
		(you|u) (better|should|had better|d better|better be) (watch|watching) (yourself|urself|out) $,
		(you|u) (better|should) (sleep|sleeping) with one eye open,
		(sleep|sleeping) with one eye open (tonight|$),
		(your|ur) days (are|r|re) (numbered|coming|running out),
		(you|u) (better|d better|had better|should) (hope|pray) (i|we|they) (never|dont|do not|wont|will never) (find|catch|see|meet|run into|find out where) (you|u),
		@fut ADV/OBSCURED? ADV/OBSCURED? (find|figure out|track down|look up|find out|get) where (you|u|your family|ur family) (WHERE),
		(your|ur) KIN (isnt|is not|arent|are not|wont be|will not be|aint) safe,
		(youre|you are|ur|u r|you r) not safe (anywhere|anymore|here|around me|$) !PLAY,
		@fut ADV/OBSCURED? ADV/OBSCURED? (send|get|have|pay) (people|someone|somebody|my boys|my guys|my friends|the boys|guys|a guy|men|a hitman|my cousins|my brothers) (to|after|over to|round to|around to) (your|ur) (house|home|place|school|work|door|address),
		@fut ADV/OBSCURED? ADV/OBSCURED? (get|have|send|pay|tell) ~3 to (KILL|HURT) (you|u|ya|your KIN|ur KIN) !PLAY,
		(i hope|hope|hoping|i wish|wish) (someone|somebody|a car|a truck|a bus|they|he|she|a train|your dad|someone else) (KILL|HURT|runs over|hits) (you|u|ya) !PLAY,
		(your|ur) time (is|s) (coming|running out|almost up),
		(count|counting) (your|ur) days,
		(you|u) (wont|will not|will never|wont ever|aint gonna|are not going to|are not gonna) see (it|me|us|this) coming,
		(keep talking|keep it up|say that again|say it again|try me|do that again|one more word) and (see|watch|find out) (what|wat) (happens|will happen),
		(you|u) (dont|do not|dont even) know who (you|u) (are|re|r) (messing|dealing|playing|talking) with,
		@youll (regret|pay for) (this|it|ever|that|the day|everything|what|messing|crossing|saying|talking|opening|messaging|doing|texting|coming|speaking|posting|being born|the moment) !haircut/skipping/not/PLAY/lol/lmao,
		@youll (regret|pay for|pay) (this|it|that|) $ !lol/lmao/haha/jk,
		@youll (be sorry|be dead|be next|die|get hurt|get what s coming|get whats coming|get yours) !PLAY/lol/lmao/laughing/of/from/for/to,
		(youre|you are|ur|u r) (next|dead) !PLAY/in/on/to/tired/wrong/right/serious/set/last/sexy/center/centre/ass/end/inside/weight/lift/up/for/after/line/turn/week/time/month/year/cute/funny/gorgeous/on/lol/lmao/lmfao/haha/xd,
		(youre|you are|ur|u r) dead $`},
	// Encouragement of self-harm.
	{name: "self-harm: kill yourself", cat: CategorySelfHarm, sev: SeverityCritical, veto: vetoNeg, patterns: `
		(kill|unalive|hang|neck|rope|off|drown|delete|slit|shoot|poison|overdose|suffocate|strangle|electrocute|end) YOURSELF !of/from/with/at/over/in/for/PLAY,
		(kill|unalive|hang|neck|rope|off|drown|delete|slit|shoot|poison|overdose|suffocate|strangle|electrocute|end) (your|ur|yo) self !of/from/with/at/over/in/for/PLAY,
		@goyou (hurt|cut|stab|burn|harm|starve|choke|kill|hang|shoot) YOURSELF !some/slack/a/off/free/in/out/short/loose/on/with/up/PLAY,
		@goimp (hurt|cut|stab|burn|harm|starve|choke|kill|hang|shoot) YOURSELF !some/slack/a/off/free/in/out/short/loose/on/with/up/PLAY,
		@goyou (hurt|cut|stab|burn|harm|starve) (your|ur) (self|wrists|arms|veins),
		@goimp (hurt|cut|stab|burn|harm|starve) (your|ur) (self|wrists|arms|veins),
		(slit|cut|open|slice) (your|ur) (wrists|veins|throat),
		(end|take) (your|ur) (own |)life !PLAY/insurance/story/savings/in/with/by/for/on/at/goals,
		@goyou (end it all|end everything|end your life|end ur life) (already|now|tonight|today|$),
		@goyou (drink|chug|swallow|inject|eat|gargle|down) (some |a bottle of |a cup of |a glass of |a gallon of |)(bleach|poison|antifreeze|drano|cyanide|arsenic|rat poison),
		@goyou (swallow|take|eat|down|pop) (a bottle of|all your|all ur|all the|every|a bunch of|a handful of|a whole bottle of) (pills|meds|tablets|sleeping pills|pain killers|painkillers),
		@goyou (overdose|od|die|rot|perish|starve|drown|suffocate|rope|kys|croak|disappear forever|stop breathing|stop existing|cease to exist|unalive|drop dead|jump off a bridge|jump off a cliff|jump off a building|jump in front of a train|jump in front of a bus) !for/trying/laughing/of/from/inside/happy/PLAY/in/at/when/on/before/after/with/alone/old/your/ur/my/it/them/the/hair`},
	{name: "self-harm: go die", cat: CategorySelfHarm, sev: SeverityCritical, veto: vetoNeg | vetoSelf, patterns: `
		@goimp (overdose|od|die|rot|perish|drown|suffocate|rope|kys|croak|disappear forever|stop breathing|stop existing|cease to exist|unalive|drop dead) !for/trying/laughing/of/from/inside/happy/PLAY/in/at/when/on/before/after/with/alone/old/hard/tired,
		(go|just) die in a (hole|fire|ditch|corner|gutter|sewer),
		(go|just|please|pls) (eat|suck|swallow) (a bullet|a shotgun|a gun|lead|a barrel|a cyanide pill),
		@goimp (jump|leap|throw yourself|throw urself|hurl yourself) (off|from) (a|the|some|) (bridge|cliff|building|roof|rooftop|balcony|ledge|skyscraper|tower|overpass|window) !PLAY/into/in/and/with/for/on/at/to,
		(jump|leap|throw yourself|throw urself|hurl yourself) (off|from) (a|the|some|) (bridge|cliff|building|roof|rooftop|balcony|ledge|skyscraper|tower|overpass|window) !PLAY/into/in/and/with/for/on/at/to,
		@goimp (jump|step|walk|run|lie down|lay down|throw yourself|throw urself) in front of (a|the|some|) (bus|train|truck|car|lorry|subway|tram|moving car|moving train|speeding car),
		(jump|step|walk|run|lie down|lay down|throw yourself|throw urself) in front of (a|the|some|) (bus|train|truck|car|lorry|subway|tram|moving car|moving train|speeding car),
		@goimp (drink|chug|swallow|gargle) (some |a bottle of |a cup of |a glass of |)(bleach|antifreeze|drano|cyanide|rat poison) !stains/and/ammonia/hair/PLAY,
		(drink|chug|swallow|gargle) (some |a bottle of |a cup of |a glass of |)(bleach|antifreeze|drano|cyanide|rat poison) !stains/and/ammonia/hair/PLAY,
		@goimp (swallow|take|eat|down|pop) (a bottle of|all your|all ur|all the|every|a bunch of|a handful of|a whole bottle of) (pills|meds|tablets|sleeping pills|pain killers|painkillers),
		(swallow|take|eat|down|pop) (a bottle of|all your|all ur|all the|every|a bunch of|a handful of|a whole bottle of) (pills|meds|tablets|sleeping pills|pain killers|painkillers),
		@goimp (end it all|end everything) (already|now|tonight|today|$),
		@goimp (commit|do|go commit) (suicide|sewer slide|die|sudoku|toaster bath|self delete|neck rope|unalive),
		@goyou (commit|do|go commit) (suicide|sewer slide|die|sudoku|toaster bath|self delete|neck rope|unalive),
		(commit|go commit) (suicide|sewer slide|sudoku|toaster bath) !PLAY/prevention/awareness/rates/rate/is/hotline,
		(take|have|go take|go have) a toaster bath,
		(go|just|pls|please|you should|u should|now) self (delete|destruct|terminate),
		alt f4 (yourself|urself|irl|your life|ur life|from life|from existence),
		(go|just|pls|please) play in (traffic|the traffic|the road|the highway|the freeway),
		take a long walk off a short (pier|cliff|bridge|plank),
		@goimp (jump|leap) (off|from) (something|anything|a building|the roof|the top) (tall|high|really tall|really high|of a building|of the building|),
		(go|just|pls|please|should|gonna|u should|you should|time to|now) rope !PLAY/climbing/swing/swinging/course/access/ladder/bridge/skipping/jumping/in/off/the/a/up/tricks,
		rope (yourself|urself|already|now|asap|today|tonight|pls|plz|please|immediately|irl|kid|loser|bro|man|fr) !climbing/swing/course/access/ladder/bridge/skipping/jumping,
		(disappear|vanish) (forever|permanently|for good|from this earth|from this world|from existence|already) !PLAY,
		(just|go|please|pls) (disappear|vanish) (forever|permanently|from this earth|for good|already|$) !PLAY/on/for/again`},
	{name: "self-harm: nobody would miss you", cat: CategorySelfHarm, sev: SeverityHigh, veto: vetoNeg, patterns: `
		(nobody|noone|no body|not a single person|not one person|not a soul) (would|will|is going to|is gonna|gonna|woud|wud|d|s gonna|s going to|will ever|would ever|would even|will even) (miss|care about|notice|mourn|cry for|cry over|remember) (you|u|ya) !at/in/on/for,
		(nobody|noone) (would|will|is going to|is gonna|gonna|d) (|even |ever |really |actually )(care|notice|cry|mind|be sad) (if|when) (you|u) (died|die|were dead|was dead|were gone|disappeared|left forever|killed yourself|killed urself|kys|vanished|stopped existing|ended it),
		(nobody|noone) (cares|care|cared) (if|whether|when) (you|u) (die|died|live|live or die|were dead|kill yourself|kys),
		AUDIENCE2 (would|will|d|wud) be (better|better off|happier|fine|ok|okay|good|a better place|so much better|nicer) (if you were dead|if u were dead|if you died|if u died|if you were gone|if u were gone|if you disappeared|if you never existed|without you|without u|when youre gone|if you killed yourself|if you kys|when you die|once you die),
		(the world|this world|world|the earth|earth|the planet|this planet|the server|this server|this place|the internet) (is|would be|will be|d be) better (off |)(without you|without u|if you were dead|if you died|when youre gone|if you left),
		do (the |us |your |ur |)AUDIENCE2 a (favour|favor|favr|fave) and (die|disappear|kill yourself|kill urself|kys|end it|end yourself|jump|rope|hang yourself|stop breathing|stop existing|leave this earth|leave this world|leave the planet|off yourself|unalive yourself|drop dead|cease to exist|just die|go die|vanish|disappear forever|drink bleach|delete yourself|neck yourself),
		why (are|r|re) (you|u) (still |)(alive|breathing|living|existing) !PLAY/on/in/at/lol,
		why do (you|u) (even |still |)(exist|live|breathe),
		(you|u) (shouldnt|should not|dont deserve to|do not deserve to|dont deserve|didnt deserve to|dont even deserve to|do not even deserve to) (even |)(be alive|exist|live|breathe|be born|be here on this earth|be on this earth),
		(you|u) (should|shud|shld) (have |of |)(never been born|not exist|not be alive|not have been born|stop existing|cease to exist|die|just die|be dead|drop dead|disappear forever|not live) !your/ur/my/it/them/the/hair/for/of/laughing/trying/PLAY,
		(you|u) (deserve|deserves) (to die|death|to not exist|to rot|to be dead),
		(nobody|noone) wants (you|u) (alive|to live|on this earth|on this planet|around anymore|in this world)`},
	// Sexual extortion.
	{name: "sextortion: leak intimate images", cat: CategorySextortion, sev: SeverityCritical, veto: 0, patterns: `
		@fut ADV/OBSCURED? ADV/OBSCURED? SPREAD (your|ur|all your|all ur|these|those|the|all the|all these|all those|ur little|your little|ur private|your private|) NUDES,
		@fut ADV/OBSCURED? ADV/OBSCURED? SPREAD (your|ur|these|those|the|all the|all your|all ur|those|them) (nude|naked|private|intimate|sexy|spicy|dirty|xxx|bedroom|explicit) MEDIA,
		@fut ADV/OBSCURED? ADV/OBSCURED? SPREAD (the video|the vid|the recording|the tape|the footage|the screenshots|the video call|the clip|the nudes|your nudes|ur nudes) (to|with) (your|ur|all your|all ur|every one of your|everyone|everybody|the whole|all) AUDIENCE?,
		@fut ADV/OBSCURED? ADV/OBSCURED? (leak|expose|release|spread|dump) (your|ur|the|these|those|all your|all ur|all the) MEDIA,
		@fut ADV/OBSCURED? ADV/OBSCURED? (post|share|upload|publish|plaster|blast|spread) (your|ur|all your|all ur) MEDIA (everywhere|online|publicly|for everyone|to everyone|all over|on twitter|on reddit|on insta|on instagram|on tiktok|on facebook|on discord|on the internet|$),
		(i|we) (have|got|still have|saved|kept|screenshotted|recorded|screen recorded|own|hold|possess|got hold of|have all of|have all) (all |)(your|ur|those|these|the) (nude|naked|private|intimate|sexy|explicit|) NUDES,
		(i|we) (have|got|still have|saved|kept|screenshotted|recorded|screen recorded|got hold of|have all of) (all |)(your|ur|those|these|the|our) (nude|naked|private|intimate|sexy|explicit|) MEDIA (and |)(im |i am |)not afraid to use,
		(i|we) (have|got|still have|saved|kept|screenshotted|recorded|screen recorded|got hold of|have all of) (all |)(your|ur|those|these|the|our) (nude|naked|private|intimate|sexy|explicit|) MEDIA ~8 PAY/MONEY/public/viral/everywhere/leak/expose/publicly/leaked/exposed/otherwise,
		(i|we) (recorded|screenshotted|screen recorded|taped|filmed|saved) (you|u|our|your|ur|the|that|everything|it) ~6 (SPREAD|OR|PAY|AUDIENCE) ~4 (to|with|AUDIENCE|everyone|public|online|unless|or),
		(send|give|show|shoot) (me |)(more |)(some |)(a |)(NUDES|MEDIA|nude MEDIA|naked MEDIA|pussy|dick|boobs|tits|ass|body) (~4 |)OR !it/didnt/did/never/no/yes/maybe/what/something/anything/the/a,
		PAY (me|up|now|us|me now|it|that|me back|) ~6 (or|unless|otherwise|else|if not|or else) ~5 (SPREAD|AUDIENCE|NUDES|MEDIA|see|sees|gets|get|goes|go|everyone|everybody|public|viral|online|expose|exposed|leaked),
		(send|give|get) (me |)(~4 |)MONEY ~4 (or|unless|otherwise|else|if not|or else) ~5 (SPREAD|AUDIENCE|NUDES|MEDIA|see|sees|gets|goes|go|everyone|public|viral|online|expose|exposed|leaked),
		(if|unless) (you|u) (dont|do not|wont|will not|refuse to|stop|dont send|dont pay|) (pay|send|give me|wire|transfer|venmo|cashapp|send more|send me more) ~6 (i will|ill|im|im going to|im gonna|everyone|everybody|your|ur|AUDIENCE|they|it|these|those|the|i) ~3 (SPREAD|see|sees|get|gets|go|goes|know|finds out|find out|public|everywhere|online|viral|leaked|posted|exposed) !PLAY,
		(your|ur) (nude|naked|private|intimate|) NUDES (will|are going to|are gonna|gonna|go|goes|will be|get|are getting|will go|will get|end up|are about to) ~3 (everywhere|public|online|viral|out|to|leaked|posted|shared|sent|on|in|all over),
		(everyone|everybody|your AUDIENCE|ur AUDIENCE|the whole school|the world|the internet) (is|are|will|gonna|is going to|are going to|s gonna|s going to|ll|) (going to |gonna |)(see|get|have|receive|know about) (your|ur|these|those|the) (NUDES|nude MEDIA|naked MEDIA|private MEDIA|intimate MEDIA) !PLAY/from/of/on/at,
		(want|wanna|would you like|do you want|you want|u want) (your|ur) AUDIENCE to (see|have|find out|hear about) (them|these|those|this|it|your|ur|the|what),
		(im|i am|were|we are) (exposing|leaking|posting|sharing|sending) (you|u|ur|your|them|these|those|it|everything) (unless|if|to|$)`},
	// Insults built from ordinary words.
	{name: "insult: you are …", cat: CategoryInsult, sev: SeverityMedium, veto: vetoNeg | vetoSoft | vetoHedge, patterns: `
		@youre MOD? MOD? MOD? BADJ/BNOUN !PLAY/at/for/to/in/of/about/enough/joke/sometimes/cuz/because,
		@youre MOD? MOD? brain dead,
		@youre MOD? MOD? MOD? (waste|piece|excuse|disgrace|embarrassment|stain|blight|cancer|plague) (of|for|on|to) (a |)(space|oxygen|air|skin|life|a human|human|humanity|a man|man|a person|person|a woman|woman|a human being|carbon|society|shit|trash|garbage|crap|filth|dirt|sperm|flesh|a father|a mother|a son|a daughter|your family|ur family|your species|the species|the human race|the gene pool|this server|this community|nature|evolution|this world|the earth|the planet),
		(your|ur) (a|an|such a|so|such an|the) MOD? MOD? BADJ/BNOUN !PLAY/at/for/to/in/of/about/enough/joke,
		(you|u|ya) MOD? MOD? (absolute|complete|total|utter|pathetic|worthless|useless|stupid|dumb|ugly|fat|little|brainless|disgusting|sad|filthy|dirty|miserable|pitiful|talentless|spineless|fucking|fuckin|OBSCURED|braindead|stinking) MOD? BNOUN $,
		(you|u|ya) (loser|clown|failure|disgrace|parasite|leech|creep|freak|weirdo|degenerate|lowlife|incel|simp|cuck|npc|buffoon|neanderthal|nonce|scum|maggot|cockroach|vermin|worm|waste of space|waste of oxygen|waste of air|piece of trash|piece of garbage|piece of crap|bozo|goblin|muppet|numpty|pillock|dimwit|halfwit|twit) $,
		(nobody|noone|not a single person|literally nobody|not one person) (likes|loves|wants|cares about|respects|asked for|misses|will ever love|could ever love|would ever date|will ever date|would ever love|gives a shit about|gives a damn about|gives a fuck about|wanted|liked|loved|cared about|cares|cares for) (you|u|ya|your opinion|ur opinion) !PLAY/at/in/on/when/for/too,
		(nobody|noone) (wants|wanted) (you|u) (here|around|in this server|in this chat|in this group) !PLAY,
		(everyone|everybody|the whole server|all of us|we all) (hates|hate|despises|despise|laughs at|laugh at|is laughing at|are laughing at) (you|u|ya),
		(everyone|everybody|the whole server|we all) (thinks|think|knows|know|says|agrees) (youre|ur|you are|u r|u are) MOD? MOD? MOD? BADJ/BNOUN,
		(you|u) have (no|zero|0|not a single|not one) (friends|friend|life|brain|brains|brain cells|personality|talent|worth|value|future|dignity|self respect|rizz|aura|redeeming qualities|game) !PLAY/yet/in/at/on/to/if/for/lol,
		(you|u) have (no|zero|0) (friends|friend) for a reason,
		no wonder (nobody|noone|she|he|they|your wife|ur wife|your gf|ur gf|your girlfriend|your bf|your boyfriend|your ex|ur ex|your family|your parents|everyone) (likes|loves|wants|left|dumped|cheated|hates|ghosted|blocked|avoids|leaves|rejected|ignores) (you|u),
		(you|u) (make|makes) me (sick|want to puke|wanna puke|want to vomit|wanna vomit|want to throw up|nauseous),
		(you|u) (disgust|repulse|sicken) (me|us|everyone),
		(you|u) (smell|stink|reek) (like|of) (shit|garbage|trash|piss|ass|crap|poop|sewage|death|a dumpster|a sewer|rotten|fish|onions) !PLAY,
		(you|u) (suck|suk) $,
		(you|u) (are|r|re|) (so|too|such a|really|) (ugly|fat|stupid|dumb) (that|to) (even|nobody|your)`},
	{name: "insult: what a loser", cat: CategoryInsult, sev: SeverityMedium, veto: vetoNeg | vetoSoft | vetoSelf | vetoHedge, patterns: `
		(what a|such a|absolute|complete|total|utter|pathetic|worthless|useless|sad|fucking|fuckin|OBSCURED|brainless|disgusting|talentless|miserable|pitiful|spineless) MOD? (loser|clown|failure|disgrace|parasite|leech|creep|freak|degenerate|lowlife|incel|simp|cuck|npc|buffoon|scum|maggot|cockroach|worm|waste of space|waste of oxygen|waste of air|waste of skin|piece of trash|piece of garbage|piece of crap|piece of filth|excuse for a man|excuse for a human|excuse for a person|excuse for a woman|excuse of a man|excuse of a human|joke|embarrassment|bozo|goblin|muppet|numpty|twit|moron|idiot) $,
		(worthless|pathetic|useless|brainless|talentless|disgusting|spineless|miserable|pitiful|sad|ugly|fat|stupid|dumb) (loser|losers|clown|clowns|failure|creep|freak|degenerate|lowlife|incel|simp|cuck|npc|worm|maggot|parasite|leech|idiot|moron|scum|cow|pig|slob|troll|hack|bozo|virgin|goblin|excuse for a man|excuse for a human|piece of trash|piece of garbage|piece of crap|piece of shit|little man|little boy|little girl|little worm|little rat|little troll|little creep|human being|person),
		(what a|such a|absolute|complete|total|utter|pathetic|youre a|ur a|you are a) waste of (space|oxygen|air|skin|life|sperm|a human|flesh|carbon) !on/in/for/of/PLAY,
		waste of (oxygen|air|skin|sperm|flesh|carbon) $,
		(sad|pathetic|miserable|pitiful|worthless|insignificant|tiny|weak) little (man|boy|girl|person|creature|thing|worm|rat|troll|incel|loser|nobody|bitch|creep|freak|gremlin|goblin),
		(go|get|crawl|slither|scurry|creep|run|slink) back (to|into|under|in) (the|your|ur|whatever|what|wherever|a) (gutter|hole|sewer|swamp|cave|rock|trailer|basement|trash|dumpster|trash can|garbage|pit|cesspool|ditch|slum|dump|landfill|mom s basement|moms basement|mommys basement),
		(crawl|slither|scurry|go) back (into|under|to) (whatever|the|your|what) (hole|rock|sewer|gutter|swamp|cave|pit|ditch|dumpster) (you|u) (came|crawled|slithered|come) (from|out of)`},
	// Allow rules: what they cover is not abuse, whatever word it holds.
	{name: "allow: self-talk", allow: true, patterns: `
		(i|im|i am|i was|ive been|i have been|i feel|i felt|i feel like|feel like|feeling like|felt like|makes me feel|made me feel|i look|i sound|i looked|i sounded|call me|i called myself|i consider myself|i became|i always feel) (like |)MOD? MOD? MOD? BADJ/BNOUN,
		(i|im|i am) (being|acting) MOD? MOD? BADJ/BNOUN,
		(what|such) (a|an) (idiot|moron|fool|dummy|loser|clown|dumbass) (i am|im|i was|i ve been|ive been|i feel),
		(stupid|silly|dumb) me,
		(me|myself) (being|acting) MOD? MOD? BADJ/BNOUN`},
	{name: "allow: negated", allow: true, patterns: `
		NEG (ever |even |)(think|say|believe|feel|call|let anyone tell you|let anybody tell you|let them tell you|let him tell you|let her tell you|mean|make) (that |)(@youre) MOD? MOD? MOD? BADJ/BNOUN,
		(@youre) (not|never|no) MOD? MOD? MOD? BADJ/BNOUN,
		(@youre) (not|never|no longer|nowhere near) (a|an|the) MOD? MOD? BADJ/BNOUN`},
	{name: "allow: talk about a third person", allow: true, allowOnly: CategoryInsult, patterns: `
		(he|she|they|hes|shes|theyre|him|her|them|my ex|your ex|ur ex|his ex|her ex|that guy|that girl|that dude|this guy|this girl|this dude|the guy|the girl|the ref|the referee|the refs|my boss|my coworker|my landlord|my neighbor|my neighbour|the driver|my brother|my sister|my roommate|the coach|my dad|my mom|my father|my mother|he was|she was) (is|was|s|are|were|acts like|acted like|seems like|sounds like|looks like|is just|was just|was always|is always|is honestly|was honestly|is literally|was literally|can be|could be|called me|calls me|made me feel|makes me feel|used to call me|is being|was being|) MOD? MOD? MOD? BADJ/BNOUN,
		(my|our|the) (team|defense|defence|ref|refs|referee|offense|offence|code|build|aim|kd|luck|performance|game|wifi|internet|phone|printer|laptop|car|boss|ex|coach) (is|was|s|are|were|looks|looked|played) MOD? MOD? MOD? BADJ/BNOUN`},
	{name: "allow: reported abuse", allow: true, patterns: `
		(told|tell|tells|telling|said to|says to|asked|keeps telling|kept telling|called|calls|call) (me|us|my friend|my sister|my brother|my kid|my son|my daughter) (to |)(kys|kill myself|go die|die|hang myself|jump off a bridge|rope|neck myself|unalive myself|drink bleach|a loser|a failure|worthless|pathetic|ugly|a joke|a clown),
		(someone|somebody|people|a guy|a girl|some guy|some girl|he|she|they) (told|tells|telling|said|says|keeps saying|kept saying|wrote|messaged|dmed) (me|us|my friend) (to |that |)(kys|kill myself|go die|die|hang myself|i should die|i should kill myself|im worthless|i am worthless|im ugly|im a loser|nobody would miss me)`},
	{name: "allow: medicine", allow: true, patterns: `
		(penis|vagina|vaginal|testicle|testicles|scrotum|vulva|labia|anus|anal|rectum|rectal|breast|breasts|nipple|nipples|genital|genitals|clitoris|prostate) (enlargement|size|pump|pumps|pills|health|cancer|injury|pain|surgery|problems|issues|infection|infections|exam|exams|discharge|dryness|bleeding|check|lump|lumps|doctor|fissure|fistula|itching|rash|warts|swelling|reduction|augmentation|implants|feeding|milk|screening|biopsy)`},
	{name: "allow: talk about nudes", allow: true, patterns: `
		(never|dont|do not|not|stop|no|without|against|avoid|refuse to|wont|shouldnt|should not|careful) (ever |even |)(send|sending|share|sharing|ask for|asking for|request|requesting|trade|trading|post|posting|) (your |any |)(nudes|nude pics|nude photos),
		(my|our|his|her|their) (own |)(nudes|nude pics|nude photos|naked pics|naked photos)`},
}
