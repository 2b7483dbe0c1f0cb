package dev.corvid.bench;

/**
 * The benchmark's document, about 1 KB of JSON: a name, an age, a ~900-character bio, and a
 * counter that the {@code cas} phases increment (the {@code hot-cas} check adds them up).
 */
public class Person {

    private String name;
    private int age;
    private String bio;
    private long counter;

    /** The ages of numbered people: {@value #AGES} of them from {@value #AGES_FROM}. */
    static final int AGES_FROM = 18;
    static final int AGES = 60;

    public Person() {
    }

    static Person numbered(int i) {
        Person p = new Person();
        p.name = "Person " + i;
        p.age = AGES_FROM + i % AGES;
        String bio = "Bio of person " + i + ": " + "lorem ipsum dolor sit amet ".repeat(40);
        p.bio = bio.substring(0, 900);
        return p;
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public int getAge() {
        return age;
    }

    public void setAge(int age) {
        this.age = age;
    }

    public String getBio() {
        return bio;
    }

    public void setBio(String bio) {
        this.bio = bio;
    }

    public long getCounter() {
        return counter;
    }

    public void setCounter(long counter) {
        this.counter = counter;
    }
}
