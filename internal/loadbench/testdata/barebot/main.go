// Command barebot is the end-to-end load benchmark's baseline: a bare
// discordgo bot that answers /profile with the bot's profile SELECT through
// pgx and does nothing else (no middleware, audit, moderation or metrics).
// It reads DISCORD_TOKEN, DISCORD_API_URL, DATABASE_URL and READY_ADDR, where
// it serves /readyz once the gateway is up and /profile is registered.
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/embodied-community/embodied/internal/discordhttp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal("connect to the database")
	}
	s, err := discordhttp.NewSession(os.Getenv("DISCORD_TOKEN"), os.Getenv("DISCORD_API_URL"), nil)
	if err != nil {
		log.Fatal(err)
	}
	s.AddHandler(func(s *discordgo.Session, i *discordgo.InteractionCreate) {
		var guildID, userID string
		var xp int64
		var level, streak int
		var last *time.Time
		var created, updated time.Time
		err := pool.QueryRow(ctx, `
		SELECT guild_id, user_id, xp, level, streak_days, last_active_day, created_at, updated_at
		FROM member_profiles WHERE guild_id = $1 AND user_id = $2`, i.GuildID, i.Member.User.ID).
			Scan(&guildID, &userID, &xp, &level, &streak, &last, &created, &updated)
		data := &discordgo.InteractionResponseData{Embeds: []*discordgo.MessageEmbed{{Title: "Profile",
			Description: "<@" + i.Member.User.ID + ">", Fields: []*discordgo.MessageEmbedField{
				{Name: "XP", Value: fmt.Sprint(xp), Inline: true}, {Name: "Level", Value: fmt.Sprint(level), Inline: true},
				{Name: "Streak", Value: fmt.Sprintf("%d days", streak), Inline: true}}}}}
		if err != nil {
			data = &discordgo.InteractionResponseData{Content: "No XP yet."}
		}
		_ = s.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource, Data: data})
	})
	if err := s.Open(); err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	cmd := []*discordgo.ApplicationCommand{{Name: "profile", Description: "XP, level and streak"}}
	if _, err := s.ApplicationCommandBulkOverwrite(s.State.User.ID, "", cmd); err != nil {
		log.Fatal(err)
	}
	http.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	srv := &http.Server{Addr: os.Getenv("READY_ADDR"), ReadHeaderTimeout: time.Second}
	go func() { _ = srv.ListenAndServe() }()
	<-ctx.Done()
	_ = srv.Close()
	pool.Close()
}
