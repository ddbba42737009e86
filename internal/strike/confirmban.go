package strike

import "strconv"

// ConfirmBanAction is the component action of the mod log's Confirm ban
// button.
const ConfirmBanAction = "strike-confirm-ban"

// Args are the Confirm ban button's arguments: the member, the case and
// the strike count (the guild is bound by the signature).
func (c BanConfirmation) Args() []string {
	return []string{c.UserID, strconv.FormatInt(c.Case, 10), strconv.Itoa(c.Total)}
}

// ParseConfirmBan reads the arguments of a verified Confirm ban button
// (see BanConfirmation.Args).
func ParseConfirmBan(guildID string, args []string) (BanConfirmation, bool) {
	if len(args) != 3 {
		return BanConfirmation{}, false
	}
	n, err1 := strconv.ParseInt(args[1], 10, 64)
	total, err2 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || args[0] == "" {
		return BanConfirmation{}, false
	}
	return BanConfirmation{GuildID: guildID, UserID: args[0], Case: n, Total: total}, true
}
