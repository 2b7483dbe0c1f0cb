package com.example.notes;

/** An application's entity: a bean Corvid stores as a JSON document. */
public class Note {

    private String text;

    public Note() {
    }

    public Note(String text) {
        this.text = text;
    }

    public String getText() {
        return text;
    }

    public void setText(String text) {
        this.text = text;
    }
}
