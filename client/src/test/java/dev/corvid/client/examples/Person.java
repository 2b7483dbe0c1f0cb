package dev.corvid.client.examples;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.corvid.client.Etag;
import dev.corvid.client.EtagConversionListener;
import dev.corvid.client.EtagStoreListener;

/**
 * The seed's entity: a name, and an etag kept current by {@link EtagConversionListener} and
 * {@link EtagStoreListener} but never stored ({@code @JsonIgnore}).
 */
public class Person {

    private String id;
    private String name;
    private int age;
    @JsonIgnore
    private Etag etag;

    public Person() {
    }

    public Person(String name) {
        this.name = name;
    }

    public Person(String name, int age) {
        this.name = name;
        this.age = age;
    }

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
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

    @JsonIgnore
    public Etag getEtag() {
        return etag;
    }

    @JsonIgnore
    public void setEtag(Etag etag) {
        this.etag = etag;
    }
}
