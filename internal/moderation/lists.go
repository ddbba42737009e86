package moderation

import "strings"

// list is a block of built-in entries sharing a category and severity.
// Entries are comma-separated, in AutoMod syntax ("word", "prefix*",
// "*suffix", "*substring*"); a group "(a|b|)" expands to each alternative.
type list struct {
	cat     Category
	sev     Severity
	entries string
}

// builtinLists is the engine's own curated vocabulary. It was written for
// this engine from general knowledge of English abuse; the public lists in
// testdata/ are only used to measure it.
var builtinLists = []list{
	{CategoryProfanity, SeverityLow, `
		damned, damnit, dammit, *goddam*, godammit, crap, crappy, crapola, crapper, bullcrap,
		piss, pissed, pisser, pisses, pissing, pissin, pisshead, piss off, pissoff, wtf, stfu, gtfo,
		poop, pooper, pooping, poo, feck, effing, bugger, buggered, sod off, frigging, fubar, fml`},
	{CategoryProfanity, SeverityMedium, `
		*fuck*, fuk*, *fukk*, fuc, fucc*, fucck*, fuq, fuqs, phuk*, phuq*, phuck*, phuc, phucs, fck*, fcuk*, fvck*, fvk, fuuck*, mofo, mf,
		fack, facks, facking, fackin, facker*, fkn, fking, fkin, fcking, *fcker*, *fukker*, motherfuker*, muthafuk*, fook, fooking,
		fookin, sheeit, sheit, shiet, shyt, shyte, shiit, shiiit, shiz, biitch*, biach, beotch, beeyotch, azz, azzhole*, azzes,
		*shit*, shite, shat, shiz, *bitch*, biatch*, byatch*, beyotch, *bastard*,
		ass, asses, ass(hole|holes|hat|hats|clown|wipe|lick|licker|kiss|kisser|munch|muncher|fuck|face|bag|bagger|blaster|cowboy|hore|jockey|klown|lover|man|monkey|packer|pirate|puppies|ranger|whore|head|wipes)*,
		*asshole*, (bad|jack|dumb|fat|big|kiss|coon|smart|lard|hard|lame|wise|candy|dumb|up the|in the|kick|sweet|suckmy)ass,
		intheass, uptheass, upthebutt, arse, arses, arsehole*, arse bandit, arsewipe,
		*cunt*, kunt, kunts, cunn, twat*, wank, wanks, wanker*, wanking, wanked, tosser*, bollock*, bollick*, knobhead, knobend, bellend,
		dick, dicks, dick(head|wad|weed|face|brain|brains|less|lick|licker|man|hole|sucker|bag|forbrains|wod)*, *dick,
		cock, cocks, cock(block|blocker|cowboy|head|knob|nob|lick|licker|lover|rider|smoker|suck|sucer|sucker|sucking|tease|teaser|queen|sman|smith|man)*,
		prick, pricks, prickhead, douche*, *douchebag*, *jackass*, dumbass*, dipshit*, dipstick,
		butthead, buttface, butt face, butthole, buttmunch*, buttpirate, butt pirate, buttstain, buttman, buttbang*, bigbutt,
		shitface, scumbag*, skumbag, skum, sleazebag, sleezebag, sleezeball, slimeball, slimebucket`},
	{CategorySexual, SeverityLow, `
		boobs, boobies, booby, boob, titties, tittie, titty, tits, hooters, horny, horney, horniest, hardon, hard on,
		boner, boners, milf, milfs, dilf, gilf, quickie, threeway, threesome, booty call, bootycall, nookie, nookey,
		sexy time, sexting, nudes, send nudes, sexpot, sexkitten, sex kitten, spunk, spunky, hooker, hookers, pimp, pimps,
		pimped, pimper, pimpin, pimping, pimpjuic*, popimp, shawtypimp, pimpsimp, stripclub, strip club, upskirt*, getiton`},
	{CategorySexual, SeverityMedium, `
		*porn*, pr0n, *blowjob*, blow job*, *handjob*, hand job*, *rimjob*, rimming, *titjob*, *boobjob*, *footjob*,
		*breastjob*, *hosejob*, *lubejob*, deepthroat*, deapthroat, deep throat, *gangbang*, gang bang*, dildo*, buttplug*, butt plug*,
		anal, anal sex, analsex, anal(annie|beads|plug), cum, cums, cumming, cummer, cumm, cumshot*, cum(bubble|fest|jockey|queen|dump|slut|dumpster|guzzler), kum, kums,
		kumming, kummer, kumbubble, jizz*, jism, jiz, jizm, jizim, jizjuice, spooge, creampie*, cameltoe, camel toe, luckycammeltoe,
		orgasm*, orgasim*, orgy, orgies, masturbat*, mastrabat*, masterbat*, mastabat*, jerk off, jerkoff, jerking off, jack off,
		jackoff, beat off, beatoff, beat your meat, beatyourmeat, spankthemonkey, smackthemonkey, fisting, felch*, feltch*,
		fellatio, felatio, fellate, cunnilingus, cunilingus, cunillingus, kunilingus, kunnilingus, queef*, quim, poontang, poon,
		puntang, pussy, pussies, pussie, pusy, pussy(eater|licker|lips|lover|pounder|fucker), *pussy, clit, clits, clitoris,
		schlong*, bukkake, hentai, sex(ed|ing|slave|whore|hound|farm|togo|ymoma|yslim|toy|toys|house|tape|ual favors),
		gaysex, livesex, cybersex, phonesex, sixtynine, sixtyniner, doggystyle, doggiestyle, doggy style, goldenshower,
		golden shower, skinflute, slideitin, suckmydick, suckmytit, suckme, lickme, eatme, eatpussy, eatballs, givehead,
		give head, iblowu, pearl necklace, pearlnecklace, moneyshot, money shot, peepshow, lovegun, lovegoo,
		lovejuice, lovemuscle, lovepistol, loverocket, lovebone, manpaste, pocketpool, pudboy, puddboy, holestuffer, tonguethrust,
		tongethruster, virginbreaker, wetspot, whash, bazongas, bazooms, sexfarm, bdsm, bondage, bareback*, busty, camgirl*,
		camwhore*, circlejerk*, circle jerk, bestiality, beastiality, bestial sex, zoophilia, date rape, anilingus, autoerotic,
		auto erotic, bimbo, bimbos, buttcheeks, butt cheeks, vibrator, vibrators, strapon, strap on, nympho*, 
		incest, pedophil*, paedophil*, pedo, pedos, paedo, child porn, dominatrix, escort service, hooker,
		sex toy, sex toys, nipple clamps, ball gag, ball sack, ballsack, ball licking, ball sucking, nutsack, nut sack,
		dick pic*, nude pic*, naked pics,
		stripper, strippers, lap dance, lapdance, gspot, g spot, cumslut, jailbait, jail bait, barely legal,
		sugar daddy, onlyfans, xxx, tranny porn, shemale porn, tit, tits, titty fuck, boob job, facial cumshot, bukake,
		golden showers, brown showers, rape, raped, rapes, raping, rapist*, rapey, molest*, pegging, swinger, swingers,
		threesome, foursome, hump, humping`},
	{CategorySexual, SeverityLow, `
		scrotum, testicles, genitals, penis, penises, vagina, vaginas, vulva, labia, erotic, erotica, fetish, kinky, nudity,
		topless, sexual intercourse, intercourse, coitus, fornicate, fornication`},
	{CategoryInsult, SeverityLow, `
		idiot, idiots, idiotic, moron, morons, moronic, stupid, dumb, dumber, dumbest, loser, losers, lowlife, low life,
		imbecile*, cretin*, numbnuts, nitwit*, dimwit*, halfwit*, fatso, fatass, lardass, wuss, wussy, sissy, pillock, plonker,
		fugly, minger, munter, skank*, *skank, trailer trash, trailertrash, white trash, whitetrash, poor white trash,
		redneck, rednecks, hillbilly, hillbillies, bogan, chav, chavs, shut the hell up, stfu`},
	{CategoryInsult, SeverityMedium, `
		slut*, *slut, *slutt*, sloot, sloots, slooty, *whore*, hoe bag, hoebag, easyslut, nastyslut, nastyho, retard, retards, retarded, tard, tards,
		spaz, spazz, mongoloid, subhuman, sub human, untermensch, libtard*, fucktard,
		you make me sick, you were a mistake,
		your (parents|mom|mother|dad|father) should have aborted you, should have been aborted, you don't deserve to live,
		you dont deserve to live, you do not deserve to live, nobody asked you, go back to where you came from`},
	{CategorySlur, SeverityHigh, `
		fag, fags, fagg*, faggot*, fagot*, fagging, faggy, fagz, dyke, dykes, bulldyke, bulldike, butchdyke, butchdike, dixiedyke, dixiedike,
		*dyke, lesbo, lesbos, lezbo*, lezzo, lez, lezz, lezbe*, lesbain, lesbayn, lesbin, shemale*, she male, tranny, trannies, trannie,
		homo, homos, homobangers, fudgepacker*, fudge packer*, pillow biter, batty boy, battyboy, bum boy, bumboy, bum chum, bum robber,
		poof, poofs, poofter*, poofta, carpetmuncher*, carpet muncher*, muffdive*, muff dive*, muffindiver, dragqueen, dragqween,
		gaymuthafuckinwhore, cockqueen, sodomite, sodomites, sodomize, sodomise, sodomy`},
	{CategorySlur, SeverityCritical, `
		*nigg*, nig, nigs, nigr*, nigar*, nigor*, niglet*, nignog*, nig nog, nigette*, nigers, niggur*, nlgg*, mgg*, kigger*,
		wigger*, whigger*, wigga*, jigaboo*, jiggaboo*, jiggabo*, jigarooni*, jijjiboo*, jigga, jiggas, zigabo*, porch monkey*,
		porchmonkey*, porch monkies, jungle bunn*, junglebunny, jungle bunnies, moon cricket*, mooncricket*, spearchucker*, spear chucker*,
		tar baby, tarbaby, tar babies, sambo, sambos, darkie*, darkey*, darky, pickaninn*, piccaninny, picaninny, groid, groids, coon, coons,
		coonass*, coon ass*, coondog, dune coon*, africoon, abeed, alligator bait, alligatorbait, gator bait, gatorbait, bootlip*,
		thicklip*, burrhead*, burr head*, golliwog*, gollywog*, wog, wogs, kaffir*, kaffer*, kafir, kaffre, kike, kikes, kyke, kykes,
		hymie*, heeb, heebs, hebe, hebes, yid, yids, jewboy, christ killer*, shylock*, ikeymo*, chink, chinks, chinky, chinaman, chinamen,
		ching chong*, chingchong*, gook*, gook eye*, slant eye*, slanteye*, slopehead*, zipperhead*, round eye*, roundeye, spic, spics, spick*,
		spik, spig, spigotty, beaner*, wetback*, wet back, snowback*, greaser*, greaseball*, tacohead*, taco head*, dago, dagos, dego,
		degos, wop, wops, ginzo*, polack*, kraut, krauts, jap, japs, japie*, paki, pakis, raghead*, rag head*, towelhead*,
		towel head*, diaperhead*, diaper head*, cameljockey*, camel jockey*, sand nigger*, sandnigger*, hadji*, curry muncher*,
		currymuncher*, dot head*, dothead*, buddhahead*, redskin*, injun, injuns, squaw*, half breed, halfbreed, half caste, halfcaste,
		mulatto*, negro, negros, negroes, negroid, negress, negres, niggress, uncle tom, coolie*, gringo*, gweilo*, gwailo*,
		kwai lo*, haole*, gubba*, seppo*, limey, pommie*, pommy, russki*, moskal*, katsap*, kacap*, khokhol*, ukrop, boche*,
		bosche*, boschs, piefke*, argie, mzungu*, boong*, boonga*, lubra, macaca*, quashie, schvartse*, schwartze*,
		shvartze, swamp guinea*, whitey, whiteys, whities, honky, honkie*, honkey*, cracka, peckerwood*, hairyback*, gyp, gyps, gypped,
		gyped, gypo, gypos, gyppo*, gyppie*, gyppy*, gipp, gipps, gippo*, pikey, piky, arabush*, cheese eating surrender monk*,
		chi chi man, bluegum*, bohunk*, palesimian, kuffar, yellowman, spaghettibender, retardo`},
	{CategoryThreat, SeverityHigh, `
		you're dead meat, you are dead meat, dead meat, rape you, i hope you die, hope you die, hope u die, i hope you get raped, hope you get raped,
		hope you get cancer, hope you get hit by a (car|bus|truck|train), you deserve to die, u deserve to die,
		die in a fire, die in a hole, die in a ditch, kill all (jews|blacks|gays|muslims|women|immigrants|christians|arabs|trans people),
		gas the jews, (jews|blacks|gays|muslims|immigrants|trans people) (should|must|need to) die`},
	// Encouragement of self-harm that no context excuses; the rest are
	// phrase rules (phrases.go), which look at negation and who speaks.
	{CategorySelfHarm, SeverityCritical, `
		kys, k y s, killyourself, killurself, killyoself, unaliveyourself, unaliveurself, kys loser, kys already`},
}

// builtinAllow suppresses hits that these words fully cover.
var builtinAllow = `
	scunthorpe, penistone, *snigger*, niggardly, niggardliness, pussycat*, pussyfoot*, pussy willow*, pussywillow*, *shitake*,
	*shiitake*, *matsushita*, fukushima, fukuoka, wankel*, cockburn, cumbria*, spick and span, spic and span, dick van dyke,
	*kuntz*, coon hound, coonhound*, raccoon*, nipple*, hancock, hitchcock, peacock*, shuttlecock*, woodcock*, gamecock*, weathercock*,
	japan*, homo sapiens, homo erectus, dickens, go die trying, cumlaude, cum laude, summa cum laude,
	magna cum laude, arsenal*, negroni*, hooker's green, bitcoin, *bitcoin*,
	moby dick*, moby-dick*, k. dick, k dick, dick grayson, dick cheney, dick tracy, dick francis, dick smith, spotted dick,
	dick's sporting goods, dicks sporting goods, dick whittington, shitterton, twatt, bitche, cockermouth, cockfosters, clitheroe,
	anal fissure*, anal gland*, anal cancer, anal canal, anal sphincter, anal fistula*, anal retentive, anal warts, anal bleeding,
	rape crisis, rape survivor*, rape victim*, rape culture, rape kit*, rape case*, rape charge*, rape trial*, rape allegation*,
	rape counsel*, rape prevention, rape awareness, sexual assault and rape,
	(stupid|dumb) (question|questions|mistake|mistakes|luck|idea|ideas|traffic|phone|printer|computer|laptop|app|apps|bug|bugs|weather|thing|things|rule|rules|game|games|movie|song|joke|jokes|comment|decision|decisions|autocorrect|wifi|alarm|car|bus|train|cat|dog|tv|show|me),
	porn (addiction|addict|addicted|addicts|free|recovery|ban|industry|use|habit|habits|consumption|induced|problem|problems|blocker|blockers|filter|filters),
	(quit|quitting|quitted|stop|stopping|stopped|no|avoid|avoiding|without|revenge|anti|quit watching|stop watching|stopped watching|quitting watching) porn,
	(quit|quitting|quitted|stop|stopping|stopped|no|avoid|avoiding|without|anti) pornography, pornography addiction,
	hard on (yourself|urself|yourselves|myself|himself|herself|themselves|him|her|them|me|you|u|us|people|others|the|your|my|his|their|everyone|kids|students),
	loser buys, loser pays, loser's bracket, losers bracket, loser bracket, biggest loser, sore loser, sore losers`

// expandList splits a block into entries and expands "(a|b)" groups.
func expandList(block string) []string {
	var out []string
	for _, e := range splitTop(block) {
		e = strings.Join(strings.Fields(e), " ")
		if e == "" {
			continue
		}
		for _, x := range expandGroups(e) {
			out = append(out, strings.Join(strings.Fields(x), " "))
		}
	}
	return out
}

// splitTop splits on commas outside parentheses.
func splitTop(s string) []string {
	var out []string
	depth, last := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[last:i])
				last = i + 1
			}
		}
	}
	return append(out, s[last:])
}

func expandGroups(e string) []string {
	i := strings.IndexByte(e, '(')
	if i < 0 {
		return []string{e}
	}
	j := strings.IndexByte(e[i:], ')') + i
	var out []string
	for _, alt := range strings.Split(e[i+1:j], "|") {
		for _, rest := range expandGroups(e[j+1:]) {
			out = append(out, e[:i]+alt+rest)
		}
	}
	return out
}
